/// One minibatch gathered from the rollout into contiguous memory, advantages normalized.
final class Minibatch<T: NetworkScalar> {
    let capacity: Int
    private(set) var rows = 0
    let observations: UnsafeMutablePointer<T>
    let actions: UnsafeMutablePointer<T>
    let oldLogProbabilities: UnsafeMutablePointer<T>
    let oldPolicyOutputs: UnsafeMutablePointer<T>
    let oldValues: UnsafeMutablePointer<T>
    let advantages: UnsafeMutablePointer<T>
    let returns: UnsafeMutablePointer<T>
    private let sizes: (observation: Int, action: Int, output: Int)

    init(capacity: Int, observationSize: Int, actionSize: Int, outputSize: Int) {
        self.capacity = capacity
        sizes = (observationSize, actionSize, outputSize)
        func block(_ count: Int) -> UnsafeMutablePointer<T> { .allocate(count: count, filledWith: 0) }
        observations = block(capacity * observationSize)
        actions = block(capacity * actionSize)
        oldLogProbabilities = block(capacity)
        oldPolicyOutputs = block(capacity * outputSize)
        oldValues = block(capacity)
        advantages = block(capacity)
        returns = block(capacity)
    }

    deinit {
        observations.deallocate(); actions.deallocate(); oldLogProbabilities.deallocate()
        oldPolicyOutputs.deallocate(); oldValues.deallocate(); advantages.deallocate(); returns.deallocate()
    }

    /// Copies the rollout rows `indices` in, and normalizes the advantages (mean 0, unbiased
    /// std 1, as PyTorch's `std()`) when asked.
    @_specialize(where T == Float)
    func gather(_ indices: UnsafeBufferPointer<Int>, from buffer: RolloutBuffer<T>, normalizeAdvantages: Bool) {
        rows = indices.count
        let (o, a, p) = sizes
        // Rows are a few values each (CartPole's observation is 4): straight-line copies for up
        // to four values, not memmove calls or loops, whose set-up (a vector loop's overlap
        // checks) cost more than the copy at these lengths (the gather is on the helper's path
        // between two minibatches).
        @inline(__always) func copy(_ count: Int, from source: UnsafePointer<T>, to target: UnsafeMutablePointer<T>) {
            switch count {
            case 1: target[0] = source[0]
            case 2: (target[0], target[1]) = (source[0], source[1])
            case 3: (target[0], target[1], target[2]) = (source[0], source[1], source[2])
            case 4: (target[0], target[1], target[2], target[3]) = (source[0], source[1], source[2], source[3])
            default: for j in 0..<count { target[j] = source[j] }
            }
        }
        // The advantages' sum, in row order as a loop of its own would take it, is a chain of
        // dependent additions: here it runs in the shadow of the copies.
        var sum: T = 0
        for (i, row) in indices.enumerated() {
            copy(o, from: buffer.observations + row * o, to: observations + i * o)
            copy(a, from: buffer.actions + row * a, to: actions + i * a)
            copy(p, from: buffer.policyOutputs + row * p, to: oldPolicyOutputs + i * p)
            oldLogProbabilities[i] = buffer.logProbabilities[row]
            oldValues[i] = buffer.values[row]
            let advantage = buffer.advantages[row]
            advantages[i] = advantage
            sum += advantage
            returns[i] = buffer.returns[row]
        }
        guard normalizeAdvantages, rows > 1 else { return }
        let mean = sum / T(rows)
        var sumSquares: T = 0
        for i in 0..<rows { let d = advantages[i] - mean; sumSquares += d * d }
        let std = T.sqrt(sumSquares / T(rows - 1))
        for i in 0..<rows { advantages[i] = (advantages[i] - mean) / (std + 1e-8) }
    }
}
