import Environments

/// The off-policy replay buffer: a ring of transitions in flat, preallocated arrays, sampled
/// uniformly. Observations are kept raw (normalization is applied when a batch is drawn, with the
/// statistics of that moment); actions are kept squashed, in [-1, 1].
final class ReplayBuffer {
    let capacity: Int
    let observationSize: Int
    let actionSize: Int
    let observations: UnsafeMutablePointer<Double>
    let nextObservations: UnsafeMutablePointer<Double>
    let actions: UnsafeMutablePointer<Float>
    let rewards: UnsafeMutablePointer<Float>
    /// 1 where the episode terminated (no bootstrap), 0 otherwise: a time-limit truncation keeps
    /// its bootstrap, and its next observation is the final one, not the reset's.
    let terminals: UnsafeMutablePointer<Float>
    /// Transitions stored so far, at most `capacity`.
    private(set) var count = 0
    /// Where the next transition goes.
    private(set) var position = 0

    /// Bytes per stored transition, for the memory check made before allocating.
    static func bytesPerTransition(observationSize: Int, actionSize: Int) -> Int {
        2 * observationSize * MemoryLayout<Double>.size + (actionSize + 2) * MemoryLayout<Float>.size
    }

    init(capacity: Int, observationSize: Int, actionSize: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.observationSize = observationSize
        self.actionSize = actionSize
        observations = .allocate(count: capacity * observationSize, filledWith: 0)
        nextObservations = .allocate(count: capacity * observationSize, filledWith: 0)
        actions = .allocate(count: capacity * actionSize, filledWith: 0)
        rewards = .allocate(count: capacity, filledWith: 0)
        terminals = .allocate(count: capacity, filledWith: 0)
    }

    deinit {
        observations.deallocate()
        nextObservations.deallocate()
        actions.deallocate()
        rewards.deallocate()
        terminals.deallocate()
    }

    /// Stores one transition over the oldest once full.
    func add(observation: UnsafePointer<Double>, action: UnsafePointer<Float>, reward: Double, terminated: Bool,
             nextObservation: UnsafePointer<Double>) {
        let n = observationSize, d = actionSize, i = position
        (observations + i * n).update(from: observation, count: n)
        (nextObservations + i * n).update(from: nextObservation, count: n)
        (actions + i * d).update(from: action, count: d)
        rewards[i] = Float(reward)
        terminals[i] = terminated ? 1 : 0
        position = (position + 1) % capacity
        count = Swift.min(count + 1, capacity)
    }

    /// Puts back the transitions of a checkpoint (slot order), `count` of them.
    func restore(count: Int, position: Int, observations o: [Double], nextObservations next: [Double],
                 actions a: [Float], rewards r: [Float], terminals t: [Float]) {
        precondition(count <= capacity && position < capacity && o.count == count * observationSize
                     && next.count == o.count && a.count == count * actionSize && r.count == count && t.count == count)
        observations.update(from: o, count: o.count)
        nextObservations.update(from: next, count: next.count)
        actions.update(from: a, count: a.count)
        rewards.update(from: r, count: count)
        terminals.update(from: t, count: count)
        self.count = count
        self.position = position
    }

    /// `rows` uniform draws (with replacement) among the stored transitions.
    func sampleIndices(_ rows: Int, into indices: UnsafeMutablePointer<Int>, rng: inout SeededGenerator) {
        precondition(count > 0, "sampling an empty replay buffer")
        for r in 0..<rows { indices[r] = Int(rng.integer(in: 0...Int64(count - 1))) }
    }
}
