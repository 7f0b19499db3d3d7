import Dispatch
import Foundation
import Environments

/// One line of the training log: where training is, how episodes go, what the update did.
public struct UpdateReport: Sendable {
    public var update: Int
    public var updates: Int
    public var timesteps: Int
    public var totalTimesteps: Int
    public var wallSeconds: Double
    public var stepsPerSecond: Double
    /// Over the last 100 completed episodes; nil before the first one ends.
    public var episodeReturn: (mean: Double, min: Double, max: Double)?
    public var episodeLength: (mean: Double, min: Int, max: Int)?
    public var episodesCompleted: Int
    /// The episodes that finished during this update's rollout, in the order they ended.
    public var newEpisodes: [(reward: Double, length: Int)]
    public var statistics: UpdateStatistics
    /// The loss the update minimized, as Stable-Baselines3 reports it: policy loss plus
    /// vf_coef times value loss minus ent_coef times entropy (means over the minibatches).
    public var loss: Double
    /// A Gaussian policy's standard deviation after the update, averaged over action
    /// dimensions; nil for discrete actions.
    public var actionStandardDeviation: Double?
    public var explainedVariance: Double
    public var klCoef: Double
    public var learningRate: Double
    public var clipRange: Double
    /// Wall time so far in this process spent collecting rollouts (policy and envs) and in the
    /// PPO update, for the benchmarks.
    public var rolloutSeconds: Double
    public var updateSeconds: Double
    /// Which learner made the report: the off-policy ones fill `statistics.policyLoss` with the
    /// actor's loss and `valueLoss` with the critics'.
    public var algorithm = PPOSettings.Algorithm.ppo
    /// SAC's entropy temperature after the report's last gradient step.
    public var entCoef: Double?
}

/// PPO training, in the order of the paper's pseudocode: for each iteration, collect a rollout
/// with the current policy, compute advantages (GAE), then optimize the surrogate for K epochs
/// of minibatches.
public final class Trainer {
    public let settings: PPOSettings
    public let spec: EnvironmentSpec
    public let architecture: NetworkArchitecture
    private let vector: VectorEnvironment
    private let parameters: ParameterBuffer<Float>
    private let adam: Adam<Float>
    private let collector: RolloutCollector<Float>
    private let buffer: RolloutBuffer<Float>
    let updater: PPOUpdate<Float>
    /// The second thread (threads = 2), shared by the collector and the update.
    private let helper: HelperThread?
    private var normalizer: ObservationNormalizer
    private var returnStatistics = RunningMeanStd(size: 1)
    private var episodes = EpisodeTally()
    private var timesteps = 0
    private var elapsed = 0.0
    private var completedUpdates = 0
    private var rolloutSeconds = 0.0
    private var updateSeconds = 0.0
    private var klCoef: Double
    private(set) var updateGenerator: SeededGenerator
    private let resumed: TrainingCheckpoint?
    /// The policy after the last update that finished with finite numbers.
    public private(set) var lastGoodPolicy: TrainedPolicy?

    /// 64 million parameters: about 1 GiB with gradients and Adam's moments.
    public static let maximumParameters = 1 << 26
    /// 4 GiB of rollout buffer.
    public static let maximumRolloutBytes = 1 << 32

    /// A new run, or with `resume` a run continued from a checkpoint of the same settings (the
    /// step count may differ).
    public init(settings: PPOSettings, resume: (policy: TrainedPolicy, checkpoint: TrainingCheckpoint)? = nil,
                makeEnvironment: (Int) throws -> Environment) throws {
        if let problem = settings.problem() { throw TrainingError.settings(problem) }
        self.settings = settings
        vector = try VectorEnvironment(count: settings.envs, makeEnvironment: makeEnvironment)
        spec = vector.spec
        if settings.valueFit == .lbfgs && settings.shared {
            throw TrainingError.settings("value_fit lbfgs fits a separate critic; it cannot be combined with a shared trunk")
        }
        architecture = NetworkArchitecture(
            observationSize: spec.observationSpace.flatSize,
            distribution: ActionDistributionKind(actionSpace: spec.actionSpace),
            hidden: settings.hidden, activation: settings.activation, shared: settings.shared)
        // Sizes are checked before anything large is allocated.
        let parameterCount = architecture.parameterCount
        guard parameterCount <= Self.maximumParameters else {
            throw TrainingError.settings("the network has \(parameterCount) parameters, more than \(Self.maximumParameters) (with Adam's moments and gradients, 16 bytes each); use smaller --hidden layers")
        }
        let rowFloats = architecture.observationSize + 2 * architecture.distribution.outputSize + 8
        let rolloutBytes = settings.rolloutSize * rowFloats * MemoryLayout<Float>.size
        guard rolloutBytes <= Self.maximumRolloutBytes else {
            throw TrainingError.settings("a rollout of \(settings.rolloutSize) transitions of this env needs \(rolloutBytes >> 20) MiB, more than \(Self.maximumRolloutBytes >> 20) MiB; use fewer --envs or --n-steps")
        }
        // The buffers are in the training layout (`trainingOffsets`: the critic on a cache line;
        // a line holding the end of the actor's range and the start of the critic's went back
        // and forth between the two threads' cores, and the critic's Adam step took 3.4 instead
        // of 2.2 us at CartPole's sizes). Policies and checkpoints are packed on the way out
        // and spread on the way in.
        let layout = architecture.trainingOffsets
        parameters = ParameterBuffer(count: layout.parameterCount)
        var initial = [Float](repeating: 0, count: parameterCount)
        architecture.initialize(&initial, logStdInit: settings.logStdInit, seed: SeededGenerator.derive(settings.seed, stream: 10))
        parameters.load(architecture.trainingLayout(initial))
        adam = Adam(count: layout.parameterCount)
        // One second thread for both phases: the rollout's second env slice and the update's
        // critic. Two threads on two cores, nothing else runnable: a spinning join then never
        // shares its core with the thread it waits for.
        helper = settings.threads == 2 ? HelperThread() : nil
        collector = RolloutCollector(vector: vector, architecture: architecture, threads: settings.threads,
                                     seed: SeededGenerator.derive(settings.seed, stream: 11), helper: helper)
        buffer = RolloutBuffer(steps: settings.nSteps, envs: settings.envs, observationSize: architecture.observationSize,
                               actionSize: architecture.distribution.actionSize, outputSize: architecture.distribution.outputSize)
        updater = PPOUpdate(architecture: architecture, settings: settings, parameters: parameters, adam: adam,
                            helper: helper)
        normalizer = ObservationNormalizer(size: architecture.observationSize, enabled: settings.normalizeObservations,
                                           clip: settings.normalizationClip)
        klCoef = settings.klCoef
        updateGenerator = SeededGenerator(seed: SeededGenerator.derive(settings.seed, stream: 12))
        resumed = resume?.checkpoint
        if let resume { try restore(resume.policy, resume.checkpoint) }
    }

    deinit { helper?.stop() }

    /// Runs `work` on the helper thread during the next update's minibatches (after its
    /// rollout, whose two halves would otherwise run one after the other: a Pendulum rollout
    /// is 5-10 ms a thread), those minibatches running on this thread alone until `work` is
    /// done (same bits: no result depends on the thread count); returns at once. `work` is done
    /// before the next report, and before `train` returns or throws. Without a helper
    /// (`--threads 1`), runs `work` here and now. For what the caller does between updates that
    /// needs no training state: `gym train`'s evaluations, which would otherwise leave the
    /// helper idle for milliseconds.
    public func runAlongsideNextUpdate(_ work: @escaping @Sendable () -> Void) {
        guard helper != nil else { return work() }
        precondition(workAlongside == nil, "one piece of work alongside an update at a time")
        workAlongside = work
    }

    /// Handed over by `runAlongsideNextUpdate`, started when the next update's minibatches do.
    private var workAlongside: (@Sendable () -> Void)?

    /// Starts the work handed over at the last report, if any: on the helper, or here and now
    /// when no update follows to run it alongside.
    private func startWorkAlongside(onHelper: Bool) {
        guard let work = workAlongside else { return }
        workAlongside = nil
        if onHelper, let helper { helper.startInBackground(work) } else { work() }
    }

    /// Whether the update's first minibatch may take the rollout's forward passes (see
    /// `PPOUpdate.forwardRecord`); off only in a test that checks it changes no bits.
    var reusesRolloutForward = true

    /// The update's useful work so far: the matrix products' floating-point operations over
    /// every minibatch row (the benchmarks' GFLOP/s, over `UpdateReport.updateSeconds`).
    public var updateFlops: Double { Double(updater.rowsProcessed) * updater.flopsPerRow }

    /// Puts the state of a checkpoint back; the envs are restored when training starts.
    private func restore(_ policy: TrainedPolicy, _ checkpoint: TrainingCheckpoint) throws {
        guard policy.architecture == architecture else {
            throw TrainingError.settings("the checkpoint's network (\(policy.architecture.hidden), \(policy.architecture.activation.rawValue)) differs from these settings'")
        }
        guard checkpoint.environments.count == settings.envs,
              checkpoint.samplerGenerators.count == 4 * settings.envs,
              checkpoint.adamFirstMoment.count == architecture.parameterCount else {
            throw TrainingError.settings("the checkpoint was made with \(checkpoint.environments.count) envs; resume with the same number")
        }
        parameters.load(architecture.trainingLayout(policy.parameters))
        for (moment, saved) in [(adam.firstMoment, checkpoint.adamFirstMoment), (adam.secondMoment, checkpoint.adamSecondMoment)] {
            architecture.trainingLayout(saved).withUnsafeBufferPointer { moment.update(from: $0.baseAddress!, count: $0.count) }
        }
        adam.stepCount = checkpoint.adamStep
        normalizer = policy.normalizer
        returnStatistics = checkpoint.returnStatistics
        klCoef = checkpoint.klCoef
        updateGenerator = SeededGenerator(words: checkpoint.updateGenerator)
        for e in 0..<settings.envs {
            collector.samplers[e] = SeededGenerator(words: Array(checkpoint.samplerGenerators[(4 * e)..<(4 * e + 4)]))
            collector.runningReturns[e] = checkpoint.runningReturns[e]
        }
        timesteps = policy.stepsTrained
        elapsed = policy.wallSeconds
        completedUpdates = policy.updates
        episodes = EpisodeTally(completed: checkpoint.episodesCompleted, recentReturns: checkpoint.recentReturns,
                                recentLengths: checkpoint.recentLengths)
        lastGoodPolicy = policy
    }

    /// The state after the last completed update, for a checkpoint file.
    public func checkpoint() throws -> TrainingCheckpoint {
        TrainingCheckpoint(
            adamStep: adam.stepCount,
            adamFirstMoment: architecture.packedParameters(adam.firstMoment),
            adamSecondMoment: architecture.packedParameters(adam.secondMoment),
            klCoef: klCoef, episodesCompleted: episodes.completed,
            recentReturns: episodes.recentReturns, recentLengths: episodes.recentLengths,
            returnStatistics: returnStatistics, updateGenerator: updateGenerator.words,
            samplerGenerators: (0..<settings.envs).flatMap { collector.samplers[$0].words },
            runningReturns: (0..<settings.envs).map { collector.runningReturns[$0] },
            environments: try vector.snapshot())
    }

    /// Trains to `settings.steps`. After each update, `progress` gets the report and returns
    /// whether to go on (false stops after that update, as Ctrl-C does).
    public func train(progress: (UpdateReport) throws -> Bool = { _ in true }) throws -> TrainedPolicy {
        let started = DispatchTime.now().uptimeNanoseconds
        let elapsedBefore = elapsed
        let updates = settings.updateCount
        let lastValues = UnsafeMutablePointer<Float>.allocate(count: settings.envs, filledWith: 0)
        defer { lastValues.deallocate() }
        // Work handed over by `runAlongsideNextUpdate` is done when training returns or throws
        // (here, if it stopped before the update that was to run it).
        defer {
            startWorkAlongside(onHelper: false)
            helper?.waitForBackground()
        }
        let valueFitter = settings.valueFit == .lbfgs
            ? ValueFitter(architecture: architecture, rows: settings.rolloutSize, iterations: settings.lbfgsIterations)
            : nil

        if let resumed {
            try vector.restore(resumed.environments)
        } else {
            try vector.reset(seed: settings.seed)
            if normalizer.enabled { normalizer.statistics.update(vector.observations, batchCount: settings.envs) }
        }

        for update in stride(from: completedUpdates + 1, through: updates, by: 1) {
            let remaining = 1 - Double(update - 1) / Double(updates)
            let learningRate = settings.learningRate * (settings.annealLearningRate ? remaining : 1)
            let clipRange = settings.clipRange * (settings.annealClipRange ? remaining : 1)

            let rolloutStarted = DispatchTime.now().uptimeNanoseconds
            // 1. Collect a rollout with the current policy.
            let scaling = settings.normalizeReward
                ? RolloutCollector<Float>.RewardScaling(gamma: settings.gamma,
                                                        standardDeviation: (returnStatistics.variance[0] + 1e-8).squareRoot(),
                                                        clip: settings.normalizationClip)
                : nil
            let forwardRecord = reusesRolloutForward ? updater.forwardRecord : nil
            try collector.collect(into: buffer, parameters: parameters.values, normalizer: normalizer, rewardScaling: scaling,
                                  update: update, recordingForwardIn: forwardRecord)
            collector.currentValues(parameters: parameters.values, normalizer: normalizer, into: lastValues)
            if normalizer.enabled { normalizer.statistics.update(buffer.rawObservations, batchCount: buffer.rows) }
            if settings.normalizeReward { returnStatistics.update(buffer.discountedReturns, batchCount: buffer.rows) }

            // 2. Advantages and returns (GAE).
            buffer.linkNextValues(lastValues: lastValues)
            GeneralizedAdvantageEstimation.compute(
                steps: buffer.steps, envs: buffer.envs, gamma: Float(settings.gamma), lambda: Float(settings.gaeLambda),
                rewards: buffer.rewards, values: buffer.values, nextValues: buffer.nextValues,
                episodeEnds: buffer.episodeEnds, advantages: buffer.advantages, returns: buffer.returns)
            let explainedVariance = Self.explainedVariance(values: buffer.values, returns: buffer.returns, count: buffer.rows)

            let updateStarted = DispatchTime.now().uptimeNanoseconds
            rolloutSeconds += Double(updateStarted - rolloutStarted) / 1e9
            // 3. Optimize: the value function by L-BFGS if asked, then K epochs of minibatches
            // (alongside the work handed over at the last report, if any).
            startWorkAlongside(onHelper: true)
            var valueLoss: Double?
            if let valueFitter {
                valueLoss = try valueFitter.fit(parameters: parameters, buffer: buffer, mix: settings.valueTargetMix, update: update)
            }
            var statistics = try updater.run(buffer: buffer, learningRate: learningRate, clipRange: clipRange,
                                             klCoef: klCoef, update: update, rng: &updateGenerator,
                                             forwardRecorded: forwardRecord != nil)
            if let valueLoss { statistics.valueLoss = valueLoss }
            if settings.objective == .klAdaptive || settings.objective == .klFixed {
                statistics.kl = updater.meanKL(buffer: buffer)
                guard statistics.kl.isFinite else { throw TrainingError.nonFinite(quantity: "the KL divergence", update: update) }
            }
            let usedKLCoef = klCoef
            if settings.objective == .klAdaptive {
                klCoef = Self.adaptedKLCoef(klCoef, kl: statistics.kl, target: settings.klAdaptiveTarget)
            }

            updateSeconds += Double(DispatchTime.now().uptimeNanoseconds - updateStarted) / 1e9
            timesteps += buffer.rows
            completedUpdates = update
            elapsed = elapsedBefore + Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let finished = vector.takeCompletedEpisodes()
            episodes.record(finished)
            lastGoodPolicy = snapshot(updates: update)
            helper?.waitForBackground()   // work handed over during the last report is done
            let goOn = try progress(report(update: update, updates: updates, finished: finished, statistics: statistics,
                                           explainedVariance: explainedVariance, klCoef: usedKLCoef,
                                           learningRate: learningRate, clipRange: clipRange))
            if !goOn { break }
        }
        guard let lastGoodPolicy else { throw TrainingError.settings("the checkpoint already holds \(timesteps) steps; ask for more with --steps") }
        return lastGoodPolicy
    }

    /// The adaptive-KL rule of the PPO paper: d < target/1.5 halves β, d > 1.5·target doubles it.
    public static func adaptedKLCoef(_ beta: Double, kl: Double, target: Double) -> Double {
        if kl < target / 1.5 { return beta / 2 }
        if kl > target * 1.5 { return beta * 2 }
        return beta
    }

    /// 1 - Var(returns - values) / Var(returns): 1 is a perfect critic, 0 no better than a constant.
    static func explainedVariance(values: UnsafePointer<Float>, returns: UnsafePointer<Float>, count: Int) -> Double {
        var meanReturn = 0.0, meanError = 0.0
        for i in 0..<count { meanReturn += Double(returns[i]); meanError += Double(returns[i] - values[i]) }
        meanReturn /= Double(count); meanError /= Double(count)
        var varianceReturn = 0.0, varianceError = 0.0
        for i in 0..<count {
            let r = Double(returns[i]) - meanReturn, e = Double(returns[i] - values[i]) - meanError
            varianceReturn += r * r; varianceError += e * e
        }
        return varianceReturn == 0 ? .nan : 1 - varianceError / varianceReturn
    }

    private func snapshot(updates: Int) -> TrainedPolicy {
        TrainedPolicy(envName: spec.name, observationSpace: spec.observationSpace, actionSpace: spec.actionSpace,
                      architecture: architecture, normalizer: normalizer,
                      parameters: architecture.packedParameters(parameters.values),
                      settings: settings, stepsTrained: timesteps, updates: updates, wallSeconds: elapsed)
    }

    private func report(update: Int, updates: Int, finished: [VectorEnvironment.CompletedEpisode],
                        statistics: UpdateStatistics, explainedVariance: Double,
                        klCoef: Double, learningRate: Double, clipRange: Double) -> UpdateReport {
        var standardDeviation: Double?
        if case .gaussian(let d) = architecture.distribution {
            let logStd = parameters.values + architecture.logStdOffset
            standardDeviation = (0..<d).reduce(0.0) { $0 + exp(Double(logStd[$1])) } / Double(d)
        }
        let loss = statistics.policyLoss + settings.vfCoef * statistics.valueLoss - settings.entCoef * statistics.entropy
        return UpdateReport(update: update, updates: updates, timesteps: timesteps,
                            totalTimesteps: updates * settings.rolloutSize, wallSeconds: elapsed,
                            stepsPerSecond: Double(timesteps) / Swift.max(elapsed, 1e-9),
                            episodeReturn: episodes.returnSummary, episodeLength: episodes.lengthSummary,
                            episodesCompleted: episodes.completed,
                            newEpisodes: finished.map { ($0.totalReward, $0.length) },
                            statistics: statistics, loss: loss, actionStandardDeviation: standardDeviation,
                            explainedVariance: explainedVariance, klCoef: klCoef,
                            learningRate: learningRate, clipRange: clipRange,
                            rolloutSeconds: rolloutSeconds, updateSeconds: updateSeconds)
    }
}
