import Environments

/// One minibatch drawn from the replay buffer, normalized and in the network's precision.
final class OffPolicyBatch<T: NetworkScalar> {
    let capacity: Int
    let observationSize: Int
    let actionSize: Int
    let observations: UnsafeMutablePointer<T>
    let actions: UnsafeMutablePointer<T>
    let rewards: UnsafeMutablePointer<T>
    let terminals: UnsafeMutablePointer<T>
    let nextObservations: UnsafeMutablePointer<T>
    private let indices: UnsafeMutablePointer<Int>
    var rows = 0

    init(capacity: Int, observationSize: Int, actionSize: Int) {
        self.capacity = capacity
        self.observationSize = observationSize
        self.actionSize = actionSize
        observations = .allocate(count: capacity * observationSize, filledWith: 0)
        actions = .allocate(count: capacity * actionSize, filledWith: 0)
        rewards = .allocate(count: capacity, filledWith: 0)
        terminals = .allocate(count: capacity, filledWith: 0)
        nextObservations = .allocate(count: capacity * observationSize, filledWith: 0)
        indices = .allocate(count: capacity, filledWith: 0)
    }

    deinit {
        observations.deallocate()
        actions.deallocate()
        rewards.deallocate()
        terminals.deallocate()
        nextObservations.deallocate()
        indices.deallocate()
    }

    /// Draws `rows` transitions uniformly from `replay` and normalizes their observations.
    func draw(_ rows: Int, from replay: ReplayBuffer, normalizer: ObservationNormalizer, rng: inout SeededGenerator) {
        precondition(rows <= capacity)
        self.rows = rows
        replay.sampleIndices(rows, into: indices, rng: &rng)
        let n = observationSize, d = actionSize
        for r in 0..<rows {
            let i = indices[r]
            normalizer.normalize(replay.observations + i * n, into: observations + r * n, count: n)
            normalizer.normalize(replay.nextObservations + i * n, into: nextObservations + r * n, count: n)
            for k in 0..<d { actions[r * d + k] = T(replay.actions[i * d + k]) }
            rewards[r] = T(replay.rewards[i])
            terminals[r] = T(replay.terminals[i])
        }
    }
}
