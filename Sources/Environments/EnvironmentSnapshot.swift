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

    public init(generator: [UInt64], state: [Double], observation: [Double], episode: Int, stepInEpisode: Int,
                episodeReturn: Double, episodeLength: Int) {
        self.generator = generator
        self.state = state
        self.observation = observation
        self.episode = episode
        self.stepInEpisode = stepInEpisode
        self.episodeReturn = episodeReturn
        self.episodeLength = episodeLength
    }
}

/// An environment whose whole dynamic state can be captured and put back. For a Lua env that
/// state is `self.state` (a flat list of numbers, the contract's convention) and its generator.
public protocol SnapshottingEnvironment: Environment {
    /// (generator words, state values, episode number, step in episode)
    func captureState() throws -> (generator: [UInt64], state: [Double], episode: Int, stepInEpisode: Int)
    func restoreState(generator: [UInt64], state: [Double], episode: Int, stepInEpisode: Int) throws
}
