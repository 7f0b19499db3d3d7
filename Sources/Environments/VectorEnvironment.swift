/// N environments stepped side by side, each with its own script state, auto-resetting at
/// episode ends and enforcing the time limit. Envs are independent: different threads may step
/// different envs at once (never the same one), so a rollout can be split across cores.
public final class VectorEnvironment: @unchecked Sendable {
    /// One env and the bookkeeping only its own thread touches.
    final class Slot {
        let env: Environment
        var episodeReturn = 0.0
        var episodeLength = 0
        var completed: [CompletedEpisode] = []
        init(env: Environment) { self.env = env }
    }

    public struct CompletedEpisode: Equatable, Sendable {
        public var totalReward: Double
        public var length: Int
        public init(totalReward: Double, length: Int) {
            self.totalReward = totalReward
            self.length = length
        }
    }

    public struct StepResult: Sendable {
        public var reward: Double
        public var terminated: Bool
        public var truncated: Bool
        public var episodeEnded: Bool { terminated || truncated }
    }

    public let count: Int
    public let spec: EnvironmentSpec
    public let observationSize: Int
    /// Training's episodes run to the env's own `max_steps`, uncapped.
    public let timeLimit: TimeLimit
    private let slots: [Slot]
    /// Current observations, `count x observationSize`: after an episode ends, the new episode's.
    public let observations: UnsafeMutablePointer<Double>
    /// The last observation of the episode that just ended, per env (valid after an end).
    public let finalObservations: UnsafeMutablePointer<Double>

    public init(count: Int, makeEnvironment: (Int) throws -> Environment) throws {
        precondition(count >= 1)
        self.count = count
        slots = try (0..<count).map { Slot(env: try makeEnvironment($0)) }
        spec = slots[0].env.spec
        observationSize = spec.observationSpace.flatSize
        timeLimit = TimeLimit(declared: spec.maxSteps)
        observations = .allocate(capacity: count * observationSize)
        observations.initialize(repeating: 0, count: count * observationSize)
        finalObservations = .allocate(capacity: count * observationSize)
        finalObservations.initialize(repeating: 0, count: count * observationSize)
    }

    deinit {
        observations.deallocate()
        finalObservations.deallocate()
    }

    public func environment(_ index: Int) -> Environment { slots[index].env }

    public func observation(_ index: Int) -> UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(start: observations + index * observationSize, count: observationSize)
    }

    public func finalObservation(_ index: Int) -> UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(start: finalObservations + index * observationSize, count: observationSize)
    }

    /// Resets every env; env i is seeded from `seed` and its index, so each has its own stream.
    public func reset(seed: UInt64) throws {
        for i in 0..<count {
            let slot = slots[i]
            slot.episodeReturn = 0
            slot.episodeLength = 0
            try slot.env.reset(seed: Self.environmentSeed(seed, index: i), observation: observation(i))
        }
    }

    public static func environmentSeed(_ seed: UInt64, index: Int) -> UInt64 {
        SeededGenerator.derive(seed, stream: 1000 + UInt64(index))
    }

    /// Steps env `index`. At an episode end, copies the final observation aside, records the
    /// episode and resets, so `observation(index)` is always the one to act on next.
    @inline(__always)
    public func step(_ index: Int, action: UnsafeBufferPointer<Double>) throws -> StepResult {
        let slot = slots[index]
        let outcome = try slot.env.step(action: action, observation: observation(index))
        slot.episodeReturn += outcome.reward
        slot.episodeLength += 1
        let truncated = timeLimit.truncates(length: slot.episodeLength, terminated: outcome.terminated)
        if outcome.terminated || truncated {
            _ = finalObservation(index).update(fromContentsOf: observation(index))
            slot.completed.append(CompletedEpisode(totalReward: slot.episodeReturn, length: slot.episodeLength))
            slot.episodeReturn = 0
            slot.episodeLength = 0
            try slot.env.reset(seed: nil, observation: observation(index))
        }
        return StepResult(reward: outcome.reward, terminated: outcome.terminated, truncated: truncated)
    }

    /// Episodes completed since the last call, env by env in order (a fixed order, whatever
    /// thread stepped which env).
    public func takeCompletedEpisodes() -> [CompletedEpisode] {
        var all: [CompletedEpisode] = []
        for slot in slots {
            all.append(contentsOf: slot.completed)
            slot.completed.removeAll(keepingCapacity: true)
        }
        return all
    }

    // MARK: Checkpoints

    /// Every env's state, for a checkpoint taken between rollouts.
    public func snapshot() throws -> [EnvironmentSnapshot] {
        try (0..<count).map { i in
            let slot = slots[i]
            guard let env = slot.env as? SnapshottingEnvironment else {
                throw EnvironmentError.contract(script: spec.name, function: nil,
                                                message: "this environment cannot be saved in a checkpoint")
            }
            let captured = try env.captureState()
            return EnvironmentSnapshot(generator: captured.generator, state: captured.state,
                                       observation: Array(observation(i)), episode: captured.episode,
                                       stepInEpisode: captured.stepInEpisode, episodeReturn: slot.episodeReturn,
                                       episodeLength: slot.episodeLength, scenario: captured.scenario)
        }
    }

    /// Puts every env back as `snapshot()` found it (instead of `reset(seed:)`).
    public func restore(_ snapshots: [EnvironmentSnapshot]) throws {
        precondition(snapshots.count == count, "one snapshot per env")
        for (i, snapshot) in snapshots.enumerated() {
            let slot = slots[i]
            guard let env = slot.env as? SnapshottingEnvironment else {
                throw EnvironmentError.contract(script: spec.name, function: nil,
                                                message: "this environment cannot be restored from a checkpoint")
            }
            try env.restoreState(generator: snapshot.generator, state: snapshot.state, episode: snapshot.episode,
                                 stepInEpisode: snapshot.stepInEpisode, scenario: snapshot.scenario)
            _ = observation(i).update(fromContentsOf: snapshot.observation)
            slot.episodeReturn = snapshot.episodeReturn
            slot.episodeLength = snapshot.episodeLength
            slot.completed.removeAll()
        }
    }
}
