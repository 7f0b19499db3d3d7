/// One flat block of parameters and one of their gradients: optimizer steps, gradient-norm
/// clipping and saving become single passes over contiguous memory.
final class ParameterBuffer<T: NetworkScalar> {
    let count: Int
    let values: UnsafeMutablePointer<T>
    let gradients: UnsafeMutablePointer<T>

    init(count: Int) {
        self.count = count
        values = .allocate(count: count, filledWith: 0)
        gradients = .allocate(count: count, filledWith: 0)
    }

    deinit {
        values.deallocate()
        gradients.deallocate()
    }

    var valueArray: [T] { Array(UnsafeBufferPointer(start: values, count: count)) }

    func load(_ array: [T]) {
        precondition(array.count == count, "expected \(count) parameters, got \(array.count)")
        array.withUnsafeBufferPointer { values.update(from: $0.baseAddress!, count: count) }
    }

    func zeroGradients(in range: Range<Int>) {
        (gradients + range.lowerBound).update(repeating: 0, count: range.count)
    }

    /// Σ g² over a range: 64 chains of float multiply-adds, summed in Double at the end.
    func gradientSquaredNorm(in range: Range<Int>) -> Double {
        T.sumOfSquares(gradients, range: range)
    }

    /// `T.sumOfSquares` in Swift, in the C kernel's order of operations.
    static func referenceSumOfSquares(_ gradients: UnsafePointer<T>, range: Range<Int>) -> Double {
        // 64 chains, as the kernel (gym_vector.c) keeps them: element lowerBound + 64q + c
        // feeds chain c; the chains are summed in order, then the last elements.
        var chains = [SIMD8<T>](repeating: .zero, count: 8)
        var i = range.lowerBound
        while i + 64 <= range.upperBound {
            for j in 0..<8 {
                let g = UnsafeRawPointer(gradients + i + 8 * j).loadUnaligned(as: SIMD8<T>.self)
                chains[j] = chains[j].addingProduct(g, g)
            }
            i += 64
        }
        var sum = 0.0
        for j in 0..<8 { for lane in 0..<8 { sum += Double(chains[j][lane]) } }
        while i < range.upperBound { let g = Double(gradients[i]); sum += g * g; i += 1 }
        return sum
    }

    var allFinite: Bool {
        for i in 0..<count where !values[i].isFinite { return false }
        return true
    }
}
