import Foundation

/// Adam (Kingma & Ba) exactly as PyTorch computes it, including where epsilon enters:
/// p -= lr / (1 - β1ᵗ) · m / (√v / √(1 - β2ᵗ) + ε). PPO uses ε = 1e-5 (the PPO paper's baselines).
final class Adam<T: NetworkScalar> {
    var beta1: Double = 0.9
    var beta2: Double = 0.999
    var epsilon: Double = 1e-5
    private(set) var stepCount = 0
    let firstMoment: UnsafeMutablePointer<T>
    let secondMoment: UnsafeMutablePointer<T>
    let count: Int

    init(count: Int, epsilon: Double = 1e-5) {
        self.count = count
        self.epsilon = epsilon
        firstMoment = .allocate(capacity: count)
        firstMoment.initialize(repeating: 0, count: count)
        secondMoment = .allocate(capacity: count)
        secondMoment.initialize(repeating: 0, count: count)
    }

    deinit {
        firstMoment.deallocate()
        secondMoment.deallocate()
    }

    /// One step over all parameters; `range` lets two threads update disjoint halves.
    func step(_ parameters: ParameterBuffer<T>, learningRate: Double, in range: Range<Int>? = nil, advancesCount: Bool = true) {
        if advancesCount { stepCount += 1 }
        let t = Double(stepCount)
        let stepSize = T(learningRate / (1 - pow(beta1, t)))
        let correction2 = T((1 - pow(beta2, t)).squareRoot())
        let (b1, b2, eps) = (T(beta1), T(beta2), T(epsilon))
        let (oneMinusB1, oneMinusB2) = (1 - b1, 1 - b2)
        let p = parameters.values, g = parameters.gradients
        for i in range ?? 0..<count {
            let gi = g[i]
            let m = b1 * firstMoment[i] + oneMinusB1 * gi
            let v = b2 * secondMoment[i] + oneMinusB2 * gi * gi
            firstMoment[i] = m
            secondMoment[i] = v
            p[i] -= stepSize * m / (T.sqrt(v) / correction2 + eps)
        }
    }
}
