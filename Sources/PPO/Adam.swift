import Foundation

/// Adam (Kingma & Ba) exactly as PyTorch computes it, including where epsilon enters:
/// p -= lr / (1 - β1ᵗ) · m / (√v / √(1 - β2ᵗ) + ε). PPO uses ε = 1e-5 (the PPO paper's baselines).
final class Adam<T: NetworkScalar> {
    let beta1 = 0.9
    let beta2 = 0.999
    var epsilon: Double = 1e-5
    /// Setting it (a resumed run) or advancing it takes the bias corrections once, for both
    /// threads' steps: two `pow` calls per step per thread were a tenth of Adam's time at
    /// Pendulum's 4,500 parameters per network.
    var stepCount = 0 {
        didSet { updateCorrections() }
    }
    /// 1 - β1ᵗ and √(1 - β2ᵗ) at the current step count.
    private var correction1 = 1.0
    private var correction2 = 1.0
    let firstMoment: UnsafeMutablePointer<T>
    let secondMoment: UnsafeMutablePointer<T>
    let count: Int

    init(count: Int, epsilon: Double = 1e-5) {
        self.count = count
        self.epsilon = epsilon
        firstMoment = .allocate(count: count, filledWith: 0)
        secondMoment = .allocate(count: count, filledWith: 0)
    }

    deinit {
        firstMoment.deallocate()
        secondMoment.deallocate()
    }

    /// Advances the step count; `step(_:learningRate:in:)` then uses it. Separate so two threads
    /// can each step their own range after one count advance.
    func advance() { stepCount += 1 }

    private func updateCorrections() {
        let t = Double(stepCount)
        correction1 = 1 - pow(beta1, t)
        correction2 = (1 - pow(beta2, t)).squareRoot()
    }

    /// One step over `range` (all parameters by default) at the current step count, on the
    /// gradients times `gradientScale` (fused here: the scaled gradients are not stored).
    func step(_ parameters: ParameterBuffer<T>, learningRate: Double, in range: Range<Int>? = nil, gradientScale: T = 1) {
        T.adamStep(parameters: parameters.values, gradients: parameters.gradients, firstMoment: firstMoment,
                   secondMoment: secondMoment, range: range ?? 0..<count, gradientScale: gradientScale,
                   stepSize: T(learningRate / correction1), correction2: T(correction2),
                   beta1: T(beta1), beta2: T(beta2), epsilon: T(epsilon))
    }

    /// `T.adamStep` in Swift, in the C kernel's order of operations.
    static func referenceStep(parameters p: UnsafeMutablePointer<T>, gradients g: UnsafePointer<T>,
                              firstMoment: UnsafeMutablePointer<T>, secondMoment: UnsafeMutablePointer<T>,
                              range: Range<Int>, gradientScale scale: T, stepSize: T, correction2: T, beta1 b1: T, beta2 b2: T, epsilon eps: T) {
        let (oneMinusB1, oneMinusB2) = (1 - b1, 1 - b2)
        // Eight lanes at a time (vsqrtps, vdivps); the tail runs the same operations on scalars,
        // which round identically.
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            let gi = load(g + i) * scale
            let m = b1 * load(firstMoment + i) + oneMinusB1 * gi
            let v = b2 * load(secondMoment + i) + oneMinusB2 * gi * gi
            store(m, firstMoment + i)
            store(v, secondMoment + i)
            store(load(p + i) - stepSize * m / (v.squareRoot() / correction2 + eps), p + i)
            i += 8
        }
        while i < range.upperBound {
            let gi = g[i] * scale
            let m = b1 * firstMoment[i] + oneMinusB1 * gi
            let v = b2 * secondMoment[i] + oneMinusB2 * gi * gi
            firstMoment[i] = m
            secondMoment[i] = v
            p[i] -= stepSize * m / (T.sqrt(v) / correction2 + eps)
            i += 1
        }
    }

    @inline(__always) private static func load(_ p: UnsafePointer<T>) -> SIMD8<T> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
    }

    @inline(__always) private static func load(_ p: UnsafeMutablePointer<T>) -> SIMD8<T> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
    }

    @inline(__always) private static func store(_ v: SIMD8<T>, _ p: UnsafeMutablePointer<T>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<T>.self)
    }
}
