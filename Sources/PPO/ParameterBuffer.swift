/// One flat block of parameters and one of their gradients: optimizer steps, gradient-norm
/// clipping and saving become single passes over contiguous memory.
final class ParameterBuffer<T: NetworkScalar> {
    let count: Int
    let values: UnsafeMutablePointer<T>
    let gradients: UnsafeMutablePointer<T>

    init(count: Int) {
        self.count = count
        values = .allocate(capacity: count)
        values.initialize(repeating: 0, count: count)
        gradients = .allocate(capacity: count)
        gradients.initialize(repeating: 0, count: count)
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

    /// Σ g² over a range, in Double so the sum is exact enough whatever the parameter count.
    func gradientSquaredNorm(in range: Range<Int>) -> Double {
        var sum = 0.0
        for i in range { let g = Double(gradients[i]); sum += g * g }
        return sum
    }

    func scaleGradients(by factor: T, in range: Range<Int>) {
        for i in range { gradients[i] *= factor }
    }

    var allFinite: Bool {
        for i in 0..<count where !values[i].isFinite { return false }
        return true
    }
}
