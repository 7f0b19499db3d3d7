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

    public init(adamStep: Int, adamFirstMoment: [Float], adamSecondMoment: [Float], klCoef: Double,
                episodesCompleted: Int, recentReturns: [Double], recentLengths: [Int], returnStatistics: RunningMeanStd,
                updateGenerator: [UInt64], samplerGenerators: [UInt64], runningReturns: [Double],
                environments: [EnvironmentSnapshot]) {
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
    }
}
