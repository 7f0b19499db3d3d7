/// Everything about one environment that a training checkpoint must restore for the resumed
/// run to continue exactly: its generator, its `self.state`, where it is in its episode, and
/// the observation the policy acts on next.
public struct EnvironmentSnapshot: Equatable, Sendable {
    public var generator: [UInt64]
    public var state: [Double]
    public var observation: [Double]
    public var episode: Int
    public var stepInEpisode: Int
    public var episodeReturn: Double
    public var episodeLength: Int
    /// The attached scenario's part, when training under one.
    public var scenario: ScenarioSnapshot?

    public init(generator: [UInt64], state: [Double], observation: [Double], episode: Int, stepInEpisode: Int,
                episodeReturn: Double, episodeLength: Int, scenario: ScenarioSnapshot? = nil) {
        self.generator = generator
        self.state = state
        self.observation = observation
        self.episode = episode
        self.stepInEpisode = stepInEpisode
        self.episodeReturn = episodeReturn
        self.episodeLength = episodeLength
        self.scenario = scenario
    }
}

/// A scenario's state mid-episode: its generator and the env params as drawn (and perhaps
/// perturbed) for the current episode, in sorted key order. Locals of the scenario file itself
/// are not captured.
public struct ScenarioSnapshot: Equatable, Sendable {
    public var generator: [UInt64]
    public var params: [Double]

    public init(generator: [UInt64], params: [Double]) {
        self.generator = generator
        self.params = params
    }
}

/// An environment whose whole dynamic state can be captured and put back. For a Lua env that
/// state is `self.state` (a flat list of numbers, the contract's convention) and its generator.
public protocol SnapshottingEnvironment: Environment {
    /// (generator words, state values, episode number, step in episode, scenario state)
    func captureState() throws -> (generator: [UInt64], state: [Double], episode: Int, stepInEpisode: Int,
                                   scenario: ScenarioSnapshot?)
    func restoreState(generator: [UInt64], state: [Double], episode: Int, stepInEpisode: Int,
                      scenario: ScenarioSnapshot?) throws
}
