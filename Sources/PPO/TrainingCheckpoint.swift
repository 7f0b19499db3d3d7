import Environments

/// The training state beyond the policy itself: with it, a resumed run continues exactly where
/// the interrupted one stopped, bit for bit.
public struct TrainingCheckpoint: Equatable, Sendable {
    public var adamStep: Int
    public var adamFirstMoment: [Float]
    public var adamSecondMoment: [Float]
    /// β of the KL objectives as adapted so far.
    public var klCoef: Double
    public var episodesCompleted: Int
    /// The last (up to 100) completed episodes, for the progress line.
    public var recentReturns: [Double]
    public var recentLengths: [Int]
    /// Reward scaling's statistics of the discounted return.
    public var returnStatistics: RunningMeanStd
    /// The minibatch shuffler's generator.
    public var updateGenerator: [UInt64]
    /// Per-env action samplers, 4 words each, env by env.
    public var samplerGenerators: [UInt64]
    /// Per-env running discounted return (reward scaling).
    public var runningReturns: [Double]
    public var environments: [EnvironmentSnapshot]
    /// DDPG, TD3 and SAC only: the state beyond the fields above (which they share: the Adam
    /// moments in the policy's flat layout with `adamStep` counting critic steps, the sampler
    /// generators for per-env exploration, the minibatch generator and the episode tallies).
    public var offPolicy: OffPolicyState?

    public init(adamStep: Int, adamFirstMoment: [Float], adamSecondMoment: [Float], klCoef: Double,
                episodesCompleted: Int, recentReturns: [Double], recentLengths: [Int], returnStatistics: RunningMeanStd,
                updateGenerator: [UInt64], samplerGenerators: [UInt64], runningReturns: [Double],
                environments: [EnvironmentSnapshot], offPolicy: OffPolicyState? = nil) {
        self.adamStep = adamStep
        self.adamFirstMoment = adamFirstMoment
        self.adamSecondMoment = adamSecondMoment
        self.klCoef = klCoef
        self.episodesCompleted = episodesCompleted
        self.recentReturns = recentReturns
        self.recentLengths = recentLengths
        self.returnStatistics = returnStatistics
        self.updateGenerator = updateGenerator
        self.samplerGenerators = samplerGenerators
        self.runningReturns = runningReturns
        self.environments = environments
        self.offPolicy = offPolicy
    }
}

/// What an off-policy run needs besides its policy and the shared checkpoint fields.
public struct OffPolicyState: Equatable, Sendable {
    /// The target networks in the policy's flat layout (SAC has no target actor: its slot holds
    /// the live actor).
    public var targetParameters: [Float]
    public var actorAdamStep: Int
    /// SAC's log temperature and its Adam state: first moment, second moment, step.
    public var logAlpha: Double
    public var alphaMoments: [Double]
    /// The replay buffer's stored transitions in slot order, and where the next one goes.
    public var replayPosition: Int
    public var replayObservations: [Double]
    public var replayNextObservations: [Double]
    public var replayActions: [Float]
    public var replayRewards: [Float]
    public var replayTerminals: [Float]
    /// Numbers per stored action (the arrays' width even when the buffer is empty).
    public var actionSize: Int
    /// Per env and action, the last draw of the exploration noise (what a correlated draw
    /// follows; zeros when the draws are independent).
    public var explorationNoise: [Double]

    public init(targetParameters: [Float], actorAdamStep: Int, logAlpha: Double, alphaMoments: [Double],
                replayPosition: Int, replayObservations: [Double], replayNextObservations: [Double],
                replayActions: [Float], replayRewards: [Float], replayTerminals: [Float], actionSize: Int,
                explorationNoise: [Double]) {
        self.targetParameters = targetParameters
        self.actorAdamStep = actorAdamStep
        self.logAlpha = logAlpha
        self.alphaMoments = alphaMoments
        self.replayPosition = replayPosition
        self.replayObservations = replayObservations
        self.replayNextObservations = replayNextObservations
        self.replayActions = replayActions
        self.replayRewards = replayRewards
        self.replayTerminals = replayTerminals
        self.actionSize = actionSize
        self.explorationNoise = explorationNoise
    }

    /// Transitions in the replay buffer.
    public var replayCount: Int { replayRewards.count }
}
