import LuaBridge

/// What an environment declares about itself.
public struct EnvironmentSpec: Sendable {
    public var name: String
    public var observationSpace: Space
    public var actionSpace: Space
    /// Episodes are truncated after this many steps; the host enforces it.
    public var maxSteps: Int
    /// Physical parameters that scenarios may override.
    public var params: [String: LuaValue]
    /// Recommended training settings (the env file's `train` table), if any.
    public var train: LuaTable?
    /// The mean episode return at which the task counts as solved (Gymnasium's
    /// `reward_threshold`), if the env declares one.
    public var rewardThreshold: Double?

    public init(name: String, observationSpace: Space, actionSpace: Space, maxSteps: Int,
                params: [String: LuaValue] = [:], train: LuaTable? = nil, rewardThreshold: Double? = nil) {
        self.name = name
        self.observationSpace = observationSpace
        self.actionSpace = actionSpace
        self.maxSteps = maxSteps
        self.params = params
        self.train = train
        self.rewardThreshold = rewardThreshold
    }
}

/// The outcome of one step, apart from the observation, which is written in place.
public struct StepOutcome: Equatable, Sendable {
    public var reward: Double
    /// The task ended (a terminal state). Truncation by time limit is the host's business.
    public var terminated: Bool
    /// A scenario's `ctx:fail` message: the episode failed an invariant and ends here.
    public var failure: String?

    public init(reward: Double, terminated: Bool, failure: String? = nil) {
        self.reward = reward
        self.terminated = terminated
        self.failure = failure
    }
}

/// An environment the engine can drive. Observations and actions travel in flat buffers owned
/// by the caller, so a step allocates nothing; a discrete action is one double holding 0..<n.
public protocol Environment: AnyObject {
    var spec: EnvironmentSpec { get }

    /// Starts an episode. A seed re-seeds the env's generator; nil continues its stream.
    func reset(seed: UInt64?, observation: UnsafeMutableBufferPointer<Double>) throws

    /// Advances one step with `action` and writes the next observation.
    func step(action: UnsafeBufferPointer<Double>,
              observation: UnsafeMutableBufferPointer<Double>) throws -> StepOutcome
}
