/// How an episode ended.
public enum EpisodeEnding: Equatable, Sendable {
    /// The env reached a terminal state.
    case terminated
    /// A scenario's `ctx:fail` ended it (the env reports it as terminated too).
    case failed(String)
    /// The time limit (or gym's cap below it) ended it.
    case truncated
    /// The actor had no action left (an action file that ran out, a step budget that was spent).
    case outOfActions
}

/// One finished episode.
public struct Episode: Equatable, Sendable {
    public var totalReward: Double
    public var length: Int
    public var ending: EpisodeEnding

    public init(totalReward: Double, length: Int, ending: EpisodeEnding) {
        self.totalReward = totalReward
        self.length = length
        self.ending = ending
    }

    public var terminated: Bool { ending == .terminated }
    public var truncated: Bool { ending == .truncated }
    public var failure: String? {
        if case .failed(let message) = ending { return message }
        return nil
    }
}

/// What the runner shows an observer: the reset, then each step.
public enum EpisodeEvent {
    /// The episode's first observation.
    case reset(observation: UnsafeBufferPointer<Double>)
    /// Step `t` (from 1): the action taken, the observation it led to and what the env said.
    case step(t: Int, action: UnsafeBufferPointer<Double>, observation: UnsafeBufferPointer<Double>,
              outcome: StepOutcome, truncated: Bool)
}

/// The one episode loop: reset, then act and step until the env terminates, a scenario fails
/// the episode, the time limit truncates it, or the actor runs out of actions. `gym run`,
/// `gym eval` (and evaluation during training), `gym check` and `gym bench` all run episodes
/// through it; training steps many envs at once in `VectorEnvironment`, under the same
/// `TimeLimit`. Its buffers are allocated once, so an episode allocates nothing per step.
public final class EpisodeRunner {
    public let env: any Environment
    public let timeLimit: TimeLimit
    private let observation: UnsafeMutableBufferPointer<Double>
    private let action: UnsafeMutableBufferPointer<Double>

    public init(env: any Environment, timeLimit: TimeLimit) {
        self.env = env
        self.timeLimit = timeLimit
        observation = .allocate(capacity: env.spec.observationSpace.flatSize)
        observation.initialize(repeating: 0)
        action = .allocate(capacity: env.spec.actionSpace.flatSize)
        action.initialize(repeating: 0)
    }

    deinit {
        observation.deallocate()
        action.deallocate()
    }

    /// Runs one episode. A seed re-seeds the env at reset; nil continues its stream. `act`
    /// writes the action for observation `t` (from 0) and returns false when it has none.
    public func run(seed: UInt64?,
                    act: (_ observation: UnsafeBufferPointer<Double>, _ action: UnsafeMutableBufferPointer<Double>,
                          _ t: Int) throws -> Bool,
                    observe: ((EpisodeEvent) throws -> Void)? = nil) throws -> Episode {
        let observed = UnsafeBufferPointer(observation)
        let chosen = UnsafeBufferPointer(action)
        try env.reset(seed: seed, observation: observation)
        try observe?(.reset(observation: observed))
        var total = 0.0
        var length = 0
        while true {
            guard try act(observed, action, length) else {
                return Episode(totalReward: total, length: length, ending: .outOfActions)
            }
            let outcome = try env.step(action: chosen, observation: observation)
            total += outcome.reward
            length += 1
            let truncated = timeLimit.truncates(length: length, terminated: outcome.terminated)
            try observe?(.step(t: length, action: chosen, observation: observed, outcome: outcome, truncated: truncated))
            if let failure = outcome.failure {
                return Episode(totalReward: total, length: length, ending: .failed(failure))
            }
            if outcome.terminated { return Episode(totalReward: total, length: length, ending: .terminated) }
            if truncated { return Episode(totalReward: total, length: length, ending: .truncated) }
        }
    }
}
