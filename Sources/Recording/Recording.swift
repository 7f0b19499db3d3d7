import Environments

/// Recorded episodes: every state's observation, the action and reward that led to it, and the
/// env's picture of it (when the env has `render`).
public struct Recording: Sendable {
    public var envName: String
    public var envScript: String
    public var actionSpace: Space
    public var observationSize: Int
    /// What acted: "random actions", "policies/pendulum.policy", ...
    public var actor: String
    public var episodes: [RecordedEpisode] = []

    public init(envName: String, envScript: String, actionSpace: Space, observationSize: Int, actor: String) {
        self.envName = envName
        self.envScript = envScript
        self.actionSpace = actionSpace
        self.observationSize = observationSize
        self.actor = actor
    }

    /// Whether the env drew its own pictures (else players show the traces).
    public var hasPictures: Bool { episodes.contains { $0.steps.contains { $0.frame != nil } } }
    public var stepCount: Int { episodes.reduce(0) { $0 + $1.steps.count } }
}

public struct RecordedEpisode: Sendable {
    public var number: Int
    public var steps: [RecordedStep] = []
    public var totalReward = 0.0
    /// How it ended, in words ("terminated", "truncated (time limit)", "failed: ...").
    public var ending = ""
    /// The scenario or run it belongs to, for reports ("seed 3", "failed: fell over").
    public var label: String?

    public init(number: Int) { self.number = number }
}

public struct RecordedStep: Sendable {
    /// 0 for the state after reset.
    public var t: Int
    public var observation: [Double]
    public var action: [Double]?
    public var reward: Double?
    public var terminated = false
    public var truncated = false
    public var frame: Frame?
    /// The scenario's `ctx:record` values as of this step (latest per name).
    public var metrics: [String: Double] = [:]
}

/// A recording that cannot be made or written: bad input, exit code 2.
public struct RecordingError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Records the episodes an `EpisodeRunner` runs, through its observer: copies of each
/// observation, action and reward, and the env's `render` of each state (after the reset and
/// after every step). `render` cannot change the trajectory (`LuaEnvironment.render`).
public final class EpisodeRecorder {
    public private(set) var recording: Recording
    private var env: LuaEnvironment
    private let maximumSteps: Int
    private var recordedSteps = 0

    /// 20,000 recorded states: forty 500-step episodes. A recording past it would be a file
    /// of hundreds of megabytes that no browser plays smoothly.
    public static let defaultMaximumSteps = 20_000

    public init(env: LuaEnvironment, script: String, actor: String, maximumSteps: Int = defaultMaximumSteps) {
        self.env = env
        self.maximumSteps = maximumSteps
        recording = Recording(envName: env.spec.name, envScript: script, actionSpace: env.spec.actionSpace,
                              observationSize: env.spec.observationSpace.flatSize, actor: actor)
    }

    /// The observer for episode `number` (pass it to `EpisodeRunner.run(observe:)`), run on
    /// `env` if given (a replay runs each episode in an env of its own), else on the last one.
    public func observer(episode number: Int, env: LuaEnvironment? = nil) -> (EpisodeEvent) throws -> Void {
        if let env { self.env = env }
        let rendered = self.env
        recording.episodes.append(RecordedEpisode(number: number))
        return { [unowned self] event in
            guard recordedSteps < maximumSteps else {
                throw RecordingError("the recording would hold more than \(maximumSteps) steps; record fewer or shorter episodes")
            }
            var step: RecordedStep
            let context: RenderContext
            switch event {
            case .reset(let observation):
                step = RecordedStep(t: 0, observation: Array(observation))
                context = RenderContext(t: 0)
            case .step(let t, let action, let observation, let outcome, let truncated):
                let taken = Array(action)
                step = RecordedStep(t: t, observation: Array(observation), action: taken, reward: outcome.reward,
                                    terminated: outcome.terminated, truncated: truncated)
                context = RenderContext(t: t, action: taken, reward: outcome.reward)
            }
            do {
                step.frame = try rendered.render(context)
                step.metrics = try rendered.scenarioMetrics()
            } catch {
                throw RecordingError("\(error)")
            }
            recording.episodes[recording.episodes.count - 1].steps.append(step)
            recordedSteps += 1
        }
    }

    /// Closes the current episode with its return and how it ended.
    public func finish(totalReward: Double, ending: String, label: String? = nil) {
        guard !recording.episodes.isEmpty else { return }
        recording.episodes[recording.episodes.count - 1].totalReward = totalReward
        recording.episodes[recording.episodes.count - 1].ending = ending
        recording.episodes[recording.episodes.count - 1].label = label
    }
}
