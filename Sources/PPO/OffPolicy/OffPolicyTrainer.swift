import Dispatch
import Foundation
import Environments

/// DDPG, TD3 and SAC training, in the order of their pseudocode: every step of every env, act
/// (uniformly at random until `learning_starts`, then the actor with exploration), store the
/// transition; every `train_freq` steps, take `gradient_steps` gradient steps on minibatches
/// drawn uniformly from the replay buffer. A progress report every `n_steps` steps of every env.
public final class OffPolicyTrainer: PolicyTraining {
    public let settings: PPOSettings
    public let spec: EnvironmentSpec
    public let architecture: NetworkArchitecture
    private let vector: VectorEnvironment
    private let update: OffPolicyUpdate<Float>
    private let replay: ReplayBuffer
    private let batch: OffPolicyBatch<Float>
    private var normalizer: ObservationNormalizer
    private let actorWorkspace: MLPWorkspace<Float>
    private let observations: UnsafeMutablePointer<Float>
    private let previousObservations: UnsafeMutablePointer<Double>
    private let squashed: UnsafeMutablePointer<Float>
    private let envAction: UnsafeMutablePointer<Double>
    private let noise: UnsafeMutablePointer<Float>
    private let actionLow: [Double], actionHigh: [Double]
    /// Per-env exploration: random actions and noise do not depend on how envs are scheduled.
    private var explorers: [SeededGenerator]
    private var updateGenerator: SeededGenerator
    private var recentEpisodes: [VectorEnvironment.CompletedEpisode] = []
    private var episodesCompleted = 0
    private var timesteps = 0
    private var vectorSteps = 0
    private var elapsed = 0.0
    private var completedReports = 0
    private var rolloutSeconds = 0.0
    private var updateSeconds = 0.0
    public private(set) var lastGoodPolicy: TrainedPolicy?
    public var supportsCheckpoints: Bool { false }
    /// Gradient steps taken so far, and the matrix products' work in each (for benchmarks).
    public private(set) var gradientStepsTaken = 0
    public var flopsPerGradientStep: Double { update.flopsPerStep }

    public init(settings: PPOSettings, makeEnvironment: (Int) throws -> Environment) throws {
        precondition(settings.algorithm.isOffPolicy, "PPO trains with Trainer")
        if let problem = settings.problem() { throw TrainingError.settings(problem) }
        self.settings = settings
        vector = try VectorEnvironment(count: settings.envs, makeEnvironment: makeEnvironment)
        spec = vector.spec
        let name = settings.algorithm.rawValue
        guard case .box(let low, let high) = spec.actionSpace else {
            throw TrainingError.settings("\(name) needs box (continuous) actions; \(spec.name) has \(spec.actionSpace) actions: train it with --algorithm ppo")
        }
        guard zip(low, high).allSatisfy({ $0.isFinite && $1.isFinite && $0 < $1 }) else {
            throw TrainingError.settings("\(name) squashes actions into the action box, so its bounds must be finite and low < high; \(spec.name) has \(spec.actionSpace)")
        }
        (actionLow, actionHigh) = (low, high)
        architecture = .offPolicy(settings.algorithm, observationSize: spec.observationSpace.flatSize,
                                  actionSize: low.count, hidden: settings.hidden, activation: settings.activation)
        // Sizes are checked before anything large is allocated.
        guard architecture.parameterCount <= Trainer.maximumParameters / 2 else {
            throw TrainingError.settings("the networks have \(architecture.parameterCount) parameters, more than \(Trainer.maximumParameters / 2) (with targets, Adam's moments and gradients); use smaller --hidden layers")
        }
        let capacity = Swift.min(settings.bufferSize, settings.updateCount * settings.rolloutSize)
        let replayBytes = capacity * ReplayBuffer.bytesPerTransition(observationSize: architecture.observationSize, actionSize: low.count)
        guard replayBytes <= Trainer.maximumRolloutBytes else {
            throw TrainingError.settings("a replay buffer of \(capacity) transitions of this env needs \(replayBytes >> 20) MiB, more than \(Trainer.maximumRolloutBytes >> 20) MiB; use a smaller --buffer-size")
        }
        let n = architecture.observationSize, d = low.count
        update = OffPolicyUpdate(architecture: architecture, settings: settings, seed: SeededGenerator.derive(settings.seed, stream: 10))
        replay = ReplayBuffer(capacity: capacity, observationSize: n, actionSize: d)
        batch = OffPolicyBatch(capacity: settings.batchSize, observationSize: n, actionSize: d)
        normalizer = ObservationNormalizer(size: n, enabled: settings.normalizeObservations, clip: settings.normalizationClip)
        actorWorkspace = MLPWorkspace(shape: architecture.actor, capacity: settings.envs)
        observations = .allocate(count: settings.envs * n, filledWith: 0)
        previousObservations = .allocate(count: settings.envs * n, filledWith: 0)
        squashed = .allocate(count: settings.envs * d, filledWith: 0)
        envAction = .allocate(count: d, filledWith: 0)
        noise = .allocate(count: d, filledWith: 0)
        explorers = (0..<settings.envs).map { SeededGenerator(seed: SeededGenerator.derive(settings.seed, stream: 5000 + UInt64($0))) }
        updateGenerator = SeededGenerator(seed: SeededGenerator.derive(settings.seed, stream: 12))
    }

    deinit {
        observations.deallocate()
        previousObservations.deallocate()
        squashed.deallocate()
        envAction.deallocate()
        noise.deallocate()
    }

    public func checkpoint() throws -> TrainingCheckpoint {
        throw TrainingError.settings("\(settings.algorithm.rawValue) runs cannot be checkpointed yet")
    }

    public func train(progress: (UpdateReport) throws -> Bool = { _ in true }) throws -> TrainedPolicy {
        let started = DispatchTime.now().uptimeNanoseconds
        let reports = settings.updateCount
        let n = architecture.observationSize, d = architecture.distribution.actionSize, envs = settings.envs
        try vector.reset(seed: settings.seed)
        if normalizer.enabled { normalizer.statistics.update(vector.observations, batchCount: envs) }

        for report in stride(from: completedReports + 1, through: reports, by: 1) {
            var statistics = UpdateStatistics()
            var actorSteps = 0
            var entropySum = 0.0
            var learningRate = settings.learningRate
            for _ in 0..<settings.nSteps {
                let collectStarted = DispatchTime.now().uptimeNanoseconds
                // Act: uniformly at random until learning starts, then the actor and its exploration.
                if timesteps < settings.learningStarts {
                    for e in 0..<envs {
                        for j in 0..<d { squashed[e * d + j] = Float(explorers[e].uniform(-1, 1)) }
                    }
                } else {
                    for e in 0..<envs { normalizer.normalize(vector.observations + e * n, into: observations + e * n, count: n) }
                    let outputs = actorWorkspace.forward(parameters: update.actor.values, input: observations, rows: envs)
                    for e in 0..<envs { explore(outputs + e * architecture.distribution.outputSize, into: squashed + e * d, env: e) }
                }
                // Step every env and store its transition (the final observation at an episode's end).
                previousObservations.update(from: vector.observations, count: envs * n)
                for e in 0..<envs {
                    for j in 0..<d { envAction[j] = SquashedActions.toBox(Double(squashed[e * d + j]), low: actionLow[j], high: actionHigh[j]) }
                    let result = try vector.step(e, action: UnsafeBufferPointer(start: envAction, count: d))
                    guard result.reward.isFinite else { throw TrainingError.nonFinite(quantity: "a reward (env \(e))", update: report) }
                    let next = result.episodeEnded ? vector.finalObservations + e * n : vector.observations + e * n
                    replay.add(observation: previousObservations + e * n, action: squashed + e * d, reward: result.reward,
                               terminated: result.terminated, nextObservation: next)
                }
                if normalizer.enabled { normalizer.statistics.update(vector.observations, batchCount: envs) }
                timesteps += envs
                vectorSteps += 1
                let trainStarted = DispatchTime.now().uptimeNanoseconds
                rolloutSeconds += Double(trainStarted - collectStarted) / 1e9

                // Learn: gradient_steps minibatches every train_freq steps once learning has started.
                guard timesteps > settings.learningStarts, vectorSteps % settings.trainFreq == 0 else { continue }
                let done = Double(timesteps) / Double(reports * settings.rolloutSize)
                learningRate = settings.learningRate * (settings.annealLearningRate ? Swift.max(1 - done, 0) : 1)
                for _ in 0..<settings.gradientSteps {
                    batch.draw(Swift.min(settings.batchSize, replay.count), from: replay, normalizer: normalizer, rng: &updateGenerator)
                    let losses = update.step(batch, learningRate: learningRate, rng: &updateGenerator)
                    gradientStepsTaken += 1
                    guard losses.critic.isFinite else { throw TrainingError.nonFinite(quantity: "the critic loss", update: report) }
                    statistics.valueLoss += losses.critic
                    statistics.minibatches += 1
                    if let actor = losses.actor {
                        guard actor.isFinite else { throw TrainingError.nonFinite(quantity: "the actor loss", update: report) }
                        statistics.policyLoss += actor
                        actorSteps += 1
                    }
                    if let entropy = losses.entropy { entropySum += entropy }
                }
                updateSeconds += Double(DispatchTime.now().uptimeNanoseconds - trainStarted) / 1e9
            }
            if statistics.minibatches > 0 {
                statistics.valueLoss /= Double(statistics.minibatches)
                if settings.algorithm == .sac { statistics.entropy = entropySum / Double(statistics.minibatches) }
            }
            if actorSteps > 0 { statistics.policyLoss /= Double(actorSteps) }
            guard update.actor.allFinite && update.critics.allFinite else {
                throw TrainingError.nonFinite(quantity: "a network parameter", update: report)
            }
            completedReports = report
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let finished = vector.takeCompletedEpisodes()
            episodesCompleted += finished.count
            recentEpisodes.append(contentsOf: finished)
            if recentEpisodes.count > 100 { recentEpisodes.removeFirst(recentEpisodes.count - 100) }
            lastGoodPolicy = snapshot()
            let goOn = try progress(self.report(report, of: reports, finished: finished, statistics: statistics,
                                                learningRate: learningRate))
            if !goOn { break }
        }
        guard let lastGoodPolicy else { throw TrainingError.settings("no steps to train; ask for some with --steps") }
        return lastGoodPolicy
    }

    /// The action to take from the actor's `output`, squashed, with the algorithm's exploration:
    /// Gaussian noise clipped to the box (DDPG, TD3), or a sample of the policy (SAC).
    private func explore(_ output: UnsafePointer<Float>, into action: UnsafeMutablePointer<Float>, env e: Int) {
        let d = architecture.distribution.actionSize
        switch settings.algorithm {
        case .sac:
            for j in 0..<d { noise[j] = Float(explorers[e].normal()) }
            _ = SquashedGaussian.sample(output: output, noise: noise, dimensions: d, into: action)
        default:
            for j in 0..<d {
                let noisy = Double(Float.tanh(output[j])) + explorers[e].normal() * settings.actionNoise
                action[j] = Float(Swift.min(Swift.max(noisy, -1), 1))
            }
        }
    }

    /// The policy as it stands: the actor, then the critics, in the architecture's flat layout.
    private func snapshot() -> TrainedPolicy {
        var parameters = update.actor.valueArray
        parameters += update.critics.valueArray
        return TrainedPolicy(envName: spec.name, observationSpace: spec.observationSpace, actionSpace: spec.actionSpace,
                             architecture: architecture, normalizer: normalizer, parameters: parameters,
                             settings: settings, stepsTrained: timesteps, updates: completedReports, wallSeconds: elapsed)
    }

    private func report(_ report: Int, of reports: Int, finished: [VectorEnvironment.CompletedEpisode],
                        statistics: UpdateStatistics, learningRate: Double) -> UpdateReport {
        var episodeReturn: (Double, Double, Double)?
        var episodeLength: (Double, Int, Int)?
        if !recentEpisodes.isEmpty {
            let returns = recentEpisodes.map(\.totalReward), lengths = recentEpisodes.map(\.length)
            episodeReturn = (returns.reduce(0, +) / Double(returns.count), returns.min()!, returns.max()!)
            episodeLength = (Double(lengths.reduce(0, +)) / Double(lengths.count), lengths.min()!, lengths.max()!)
        }
        return UpdateReport(update: report, updates: reports, timesteps: timesteps, totalTimesteps: reports * settings.rolloutSize,
                            wallSeconds: elapsed, stepsPerSecond: Double(timesteps) / Swift.max(elapsed, 1e-9),
                            episodeReturn: episodeReturn, episodeLength: episodeLength, episodesCompleted: episodesCompleted,
                            newEpisodes: finished.map { ($0.totalReward, $0.length) }, statistics: statistics,
                            loss: statistics.policyLoss + statistics.valueLoss, actionStandardDeviation: nil,
                            explainedVariance: .nan, klCoef: settings.algorithm == .sac ? update.alpha : 0,
                            learningRate: learningRate, clipRange: 0,
                            rolloutSeconds: rolloutSeconds, updateSeconds: updateSeconds)
    }
}

/// What `gym train` needs of a trainer, whichever the algorithm.
public protocol PolicyTraining: AnyObject {
    var lastGoodPolicy: TrainedPolicy? { get }
    /// Whether `checkpoint()` can capture the run for an exact resume.
    var supportsCheckpoints: Bool { get }
    func checkpoint() throws -> TrainingCheckpoint
    func train(progress: (UpdateReport) throws -> Bool) throws -> TrainedPolicy
}

extension Trainer: PolicyTraining {
    public var supportsCheckpoints: Bool { true }
}

/// The trainer for `settings.algorithm`.
public func makeTrainer(settings: PPOSettings, resume: (policy: TrainedPolicy, checkpoint: TrainingCheckpoint)? = nil,
                        makeEnvironment: (Int) throws -> Environment) throws -> PolicyTraining {
    guard settings.algorithm.isOffPolicy else {
        return try Trainer(settings: settings, resume: resume, makeEnvironment: makeEnvironment)
    }
    guard resume == nil else {
        throw TrainingError.settings("\(settings.algorithm.rawValue) runs cannot be resumed yet; only PPO checkpoints resume")
    }
    return try OffPolicyTrainer(settings: settings, makeEnvironment: makeEnvironment)
}
