import Environments

/// Orthogonal initialization (Saxe et al.), as PyTorch's `orthogonal_` does it: a Gaussian matrix
/// orthonormalized along its shorter side, scaled by `gain`. Computed in Double by modified
/// Gram-Schmidt, whose positive diagonal plays the role of PyTorch's sign correction.
enum OrthogonalInitialization {
    /// Fills a `rows x columns` row-major block.
    static func fill<T: NetworkScalar>(_ weights: UnsafeMutablePointer<T>, rows: Int, columns: Int,
                                       gain: Double, rng: inout SeededGenerator) {
        // Orthonormalize the `short` vectors of length `long`.
        let (short, long) = (Swift.min(rows, columns), Swift.max(rows, columns))
        var vectors = [[Double]](repeating: [], count: short)
        for v in 0..<short {
            vectors[v] = (0..<long).map { _ in rng.normal() }
        }
        for v in 0..<short {
            for u in 0..<v {
                let projection = zip(vectors[v], vectors[u]).reduce(0) { $0 + $1.0 * $1.1 }
                for i in 0..<long { vectors[v][i] -= projection * vectors[u][i] }
            }
            let norm = vectors[v].reduce(0) { $0 + $1 * $1 }.squareRoot()
            for i in 0..<long { vectors[v][i] /= norm }
        }
        for r in 0..<rows {
            for c in 0..<columns {
                let value = rows <= columns ? vectors[r][c] : vectors[c][r]
                weights[r * columns + c] = T(gain * value)
            }
        }
    }
}
