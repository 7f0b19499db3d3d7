import Environments
import LuaBridge

/// A space of observations or actions: `.discrete(n)` (one value in `0..<n`) or
/// `.box(low:high:)` (a vector of bounded reals).
public typealias Space = Environments.Space

/// How far one script may go: memory, instructions per call, wall time per call.
public typealias ScriptLimits = LuaLimits

/// What one step did.
public struct StepResult: Sendable, Equatable {
    /// The observation after the step.
    public var observation: [Double]
    public var reward: Double
    /// The task ended (a terminal state): do not bootstrap past it.
    public var terminated: Bool
    /// The episode hit its time limit (`maxSteps`) without terminating.
    public var truncated: Bool
    /// A scenario's `ctx:fail` message, when one ended the episode.
    public var failure: String?

    /// Whether the episode is over, by termination, truncation or failure.
    public var isDone: Bool { terminated || truncated || failure != nil }
}

/// A Lua environment script, run in gym's sandbox: the same env `gym train` and `gym eval` run.
///
/// ```swift
/// let env = try GymEnvironment(script: "envs/pendulum.lua")
/// var observation = try env.reset(seed: 0)
/// let step = try env.step([0.5])
/// ```
///
/// Observations and actions are arrays of `Double`; a discrete action is one value holding the
/// action's index. Episodes are truncated after ``maxSteps`` steps, as in training. An instance
/// is not thread-safe; make one per thread.
public final class GymEnvironment {
    let env: LuaEnvironment
    private let timeLimit: TimeLimit
    private var observation: [Double]
    private var stepsInEpisode = 0

    /// Loads and checks `script` (its spaces, `reset` and `step`); errors name the file and line.
    public init(script: String, limits: ScriptLimits = ScriptLimits()) throws {
        env = try LuaEnvironment(path: script, limits: limits)
        timeLimit = TimeLimit(declared: env.spec.maxSteps)
        observation = [Double](repeating: 0, count: env.spec.observationSpace.flatSize)
    }

    /// The script's path, as given.
    public var script: String { env.path }
    /// The env's `name`.
    public var name: String { env.spec.name }
    public var observationSpace: Space { env.spec.observationSpace }
    public var actionSpace: Space { env.spec.actionSpace }
    /// Episodes are truncated after this many steps.
    public var maxSteps: Int { env.spec.maxSteps }
    /// The mean return at which the task counts as solved, if the env declares one.
    public var rewardThreshold: Double? { env.spec.rewardThreshold }

    /// Starts an episode and returns its first observation. A seed re-seeds the env's
    /// generator; nil continues its stream.
    public func reset(seed: UInt64? = nil) throws -> [Double] {
        try observation.withUnsafeMutableBufferPointer { try env.reset(seed: seed, observation: $0) }
        stepsInEpisode = 0
        return observation
    }

    /// Advances one step. The action must lie in ``actionSpace`` (the env checks it).
    public func step(_ action: [Double]) throws -> StepResult {
        guard action.count == actionSpace.flatSize else {
            throw GymKitError("\(name): an action has \(actionSpace.flatSize) value(s), got \(action.count)")
        }
        let outcome = try action.withUnsafeBufferPointer { chosen in
            try observation.withUnsafeMutableBufferPointer { try env.step(action: chosen, observation: $0) }
        }
        stepsInEpisode += 1
        return StepResult(observation: observation, reward: outcome.reward, terminated: outcome.terminated,
                          truncated: timeLimit.truncates(length: stepsInEpisode, terminated: outcome.terminated),
                          failure: outcome.failure)
    }

    /// Runs one episode with `policy` acting (deterministically unless `deterministic` is false)
    /// and returns its return and length.
    public func runEpisode(policy: GymPolicy, seed: UInt64? = nil, deterministic: Bool = true) throws
        -> (totalReward: Double, length: Int) {
        try policy.check(fits: self)
        // The one episode loop gym run and gym eval use, so the episode is theirs.
        let episode = try EpisodeRunner(env: env, timeLimit: timeLimit).run(seed: seed) { observation, action, _ in
            policy.act(observation, into: action, deterministic: deterministic)
            return true
        }
        stepsInEpisode = episode.length
        return (episode.totalReward, episode.length)
    }
}

/// Bad input to GymKit: a wrong-sized observation or action, a policy that does not fit an env.
public struct GymKitError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
