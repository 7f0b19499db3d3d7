import Environments

/// Orthogonal initialization (Saxe et al.), as PyTorch's `orthogonal_` does it: a Gaussian matrix
/// orthonormalized along its shorter side, scaled by `gain`. Computed in Double by modified
/// Gram-Schmidt, whose positive diagonal plays the role of PyTorch's sign correction.
enum OrthogonalInitialization {
    /// Fills a `rows x columns` row-major block.
    static func fill<T: NetworkScalar>(_ weights: UnsafeMutablePointer<T>, rows: Int, columns: Int,
                                       gain: Double, rng: inout SeededGenerator) {
        // Orthonormalize the `short` vectors of length `long`, held in one flat buffer: nested
        // arrays checked uniqueness and bounds on every element, 55 ms for a 256x256 layer. The
        // operations and their order are the same (each dot product one sum from the first
        // element on), so the weights are too.
        let (short, long) = (Swift.min(rows, columns), Swift.max(rows, columns))
        let vectors = UnsafeMutablePointer<Double>.allocate(capacity: short * long)
        defer { vectors.deallocate() }
        for index in 0..<(short * long) { (vectors + index).initialize(to: rng.normal()) }
        for v in 0..<short {
            let vector = vectors + v * long
            for u in 0..<v {
                let other = vectors + u * long
                var projection = 0.0
                for i in 0..<long { projection += vector[i] * other[i] }
                for i in 0..<long { vector[i] -= projection * other[i] }
            }
            var squares = 0.0
            for i in 0..<long { squares += vector[i] * vector[i] }
            let norm = squares.squareRoot()
            for i in 0..<long { vector[i] /= norm }
        }
        for r in 0..<rows {
            for c in 0..<columns {
                let value = rows <= columns ? vectors[r * long + c] : vectors[c * long + r]
                weights[r * columns + c] = T(gain * value)
            }
        }
    }
}
