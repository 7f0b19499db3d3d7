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
    let replay: ReplayBuffer
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
    /// Per env and action: the last exploration draw, which the next one follows with
    /// `noise_correlation` (zeros at the start; unused when the draws are independent).
    private var correlatedNoise: [Double]
    private var updateGenerator: SeededGenerator
    private var episodes = EpisodeTally()
    private var timesteps = 0
    private var vectorSteps = 0
    private var elapsed = 0.0
    private var completedReports = 0
    private var rolloutSeconds = 0.0
    private var updateSeconds = 0.0
    public private(set) var lastGoodPolicy: TrainedPolicy?
    private let resumed: TrainingCheckpoint?
    /// Gradient steps taken so far, and the matrix products' work in each (for benchmarks).
    public private(set) var gradientStepsTaken = 0
    public var flopsPerGradientStep: Double { update.flopsPerStep }

    /// A new run, or with `resume` a run continued from a checkpoint of the same settings (the
    /// step count may differ).
    public init(settings: PPOSettings, resume: (policy: TrainedPolicy, checkpoint: TrainingCheckpoint)? = nil,
                makeEnvironment: (Int) throws -> Environment) throws {
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
        correlatedNoise = [Double](repeating: 0, count: settings.envs * architecture.distribution.actionSize)
        updateGenerator = SeededGenerator(seed: SeededGenerator.derive(settings.seed, stream: 12))
        resumed = resume?.checkpoint
        if let resume { try restore(resume.policy, resume.checkpoint) }
    }

    /// Puts the state of a checkpoint back; the envs are restored when training starts.
    private func restore(_ policy: TrainedPolicy, _ checkpoint: TrainingCheckpoint) throws {
        guard policy.architecture == architecture else {
            throw TrainingError.settings("the checkpoint's networks (\(policy.architecture.hidden), \(policy.architecture.activation.rawValue)) differ from these settings'")
        }
        guard let state = checkpoint.offPolicy else {
            throw TrainingError.settings("the checkpoint holds no \(settings.algorithm.rawValue) state (replay buffer, targets)")
        }
        guard checkpoint.environments.count == settings.envs, checkpoint.samplerGenerators.count == 4 * settings.envs else {
            throw TrainingError.settings("the checkpoint was made with \(checkpoint.environments.count) envs; resume with the same number")
        }
        guard state.replayCount <= replay.capacity else {
            throw TrainingError.settings("the checkpoint's replay buffer holds \(state.replayCount) transitions, more than buffer_size \(replay.capacity)")
        }
        guard state.replayCount < replay.capacity || state.replayPosition < replay.capacity,
              state.targetParameters.count == architecture.parameterCount, state.alphaMoments.count == 3,
              checkpoint.adamFirstMoment.count == architecture.parameterCount,
              checkpoint.adamSecondMoment.count == architecture.parameterCount else {
            throw TrainingError.settings("the checkpoint's off-policy state does not fit these networks and buffer")
        }
        let actorCount = update.actor.count
        let split = { (values: [Float]) in (Array(values[..<actorCount]), Array(values[actorCount...])) }
        let (actor, critics) = split(policy.parameters)
        update.actor.load(actor)
        update.critics.load(critics)
        let (targetActor, targetCritics) = split(state.targetParameters)
        update.targetActor.update(from: targetActor, count: actorCount)
        update.targetCritics.update(from: targetCritics, count: targetCritics.count)
        let (actorFirst, criticFirst) = split(checkpoint.adamFirstMoment)
        let (actorSecond, criticSecond) = split(checkpoint.adamSecondMoment)
        update.actorAdam.firstMoment.update(from: actorFirst, count: actorCount)
        update.actorAdam.secondMoment.update(from: actorSecond, count: actorCount)
        update.criticAdam.firstMoment.update(from: criticFirst, count: criticFirst.count)
        update.criticAdam.secondMoment.update(from: criticSecond, count: criticSecond.count)
        update.actorAdam.stepCount = state.actorAdamStep
        update.criticAdam.stepCount = checkpoint.adamStep
        update.criticSteps = checkpoint.adamStep
        update.logAlpha = state.logAlpha
        update.alphaMoments = (state.alphaMoments[0], state.alphaMoments[1], Int(state.alphaMoments[2]))
        // A buffer that has not overwritten anything holds its transitions in order from slot 0,
        // and the next goes after them, whatever the capacity was (a resume may ask for more
        // steps, and so get a larger buffer); one that has overwritten had buffer_size slots,
        // as this one has, and goes on where it was.
        let position = state.replayCount < replay.capacity ? state.replayCount : state.replayPosition
        replay.restore(count: state.replayCount, position: position,
                       observations: state.replayObservations, nextObservations: state.replayNextObservations,
                       actions: state.replayActions, rewards: state.replayRewards, terminals: state.replayTerminals)
        normalizer = policy.normalizer
        updateGenerator = SeededGenerator(words: checkpoint.updateGenerator)
        for e in 0..<settings.envs { explorers[e] = SeededGenerator(words: Array(checkpoint.samplerGenerators[(4 * e)..<(4 * e + 4)])) }
        correlatedNoise = state.explorationNoise
        timesteps = policy.stepsTrained
        vectorSteps = policy.stepsTrained / settings.envs
        elapsed = policy.wallSeconds
        completedReports = policy.updates
        episodes = EpisodeTally(completed: checkpoint.episodesCompleted, recentReturns: checkpoint.recentReturns,
                                recentLengths: checkpoint.recentLengths)
        lastGoodPolicy = policy
    }

    deinit {
        observations.deallocate()
        previousObservations.deallocate()
        squashed.deallocate()
        envAction.deallocate()
        noise.deallocate()
    }

    /// The state after the last completed report, for a checkpoint file.
    public func checkpoint() throws -> TrainingCheckpoint {
        func array<T>(_ pointer: UnsafePointer<T>, _ count: Int) -> [T] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
        // SAC has no target actor: its slot holds the live one, so every value is meaningful.
        let targetActor = settings.algorithm == .sac ? update.actor.valueArray : array(update.targetActor, update.actor.count)
        let n = architecture.observationSize, d = architecture.distribution.actionSize, count = replay.count
        let state = OffPolicyState(
            targetParameters: targetActor + array(update.targetCritics, update.critics.count),
            actorAdamStep: update.actorAdam.stepCount, logAlpha: update.logAlpha,
            alphaMoments: [update.alphaMoments.first, update.alphaMoments.second, Double(update.alphaMoments.step)],
            replayPosition: replay.position, replayObservations: array(replay.observations, count * n),
            replayNextObservations: array(replay.nextObservations, count * n), replayActions: array(replay.actions, count * d),
            replayRewards: array(replay.rewards, count), replayTerminals: array(replay.terminals, count), actionSize: d,
            explorationNoise: correlatedNoise)
        return TrainingCheckpoint(
            adamStep: update.criticAdam.stepCount,
            adamFirstMoment: array(update.actorAdam.firstMoment, update.actor.count) + array(update.criticAdam.firstMoment, update.critics.count),
            adamSecondMoment: array(update.actorAdam.secondMoment, update.actor.count) + array(update.criticAdam.secondMoment, update.critics.count),
            klCoef: 0, episodesCompleted: episodes.completed,
            recentReturns: episodes.recentReturns, recentLengths: episodes.recentLengths,
            returnStatistics: RunningMeanStd(size: 1), updateGenerator: updateGenerator.words,
            samplerGenerators: explorers.flatMap(\.words), runningReturns: [Double](repeating: 0, count: settings.envs),
            environments: try vector.snapshot(), offPolicy: state)
    }

    public func train(progress: (UpdateReport) throws -> Bool = { _ in true }) throws -> TrainedPolicy {
        let started = DispatchTime.now().uptimeNanoseconds
        let reports = settings.updateCount
        let n = architecture.observationSize, d = architecture.distribution.actionSize, envs = settings.envs
        let elapsedBefore = elapsed
        if let resumed {
            try vector.restore(resumed.environments)
        } else {
            try vector.reset(seed: settings.seed)
            if normalizer.enabled { normalizer.statistics.update(vector.observations, batchCount: envs) }
        }

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
                    // Always a full batch, drawn with replacement (as SB3 does, even from a buffer
                    // that holds fewer transitions than a batch).
                    batch.draw(settings.batchSize, from: replay, normalizer: normalizer, rng: &updateGenerator)
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
            elapsed = elapsedBefore + Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let finished = vector.takeCompletedEpisodes()
            episodes.record(finished)
            lastGoodPolicy = snapshot()
            let goOn = try progress(self.report(report, of: reports, finished: finished, statistics: statistics,
                                                learningRate: learningRate))
            if !goOn { break }
        }
        guard let lastGoodPolicy else { throw TrainingError.settings("the checkpoint already holds \(timesteps) steps; ask for more with --steps") }
        return lastGoodPolicy
    }

    /// The action to take from the actor's `output`, squashed, with the algorithm's exploration:
    /// Gaussian noise clipped to the box (DDPG, TD3), or a sample of the policy (SAC).
    private func explore(_ output: UnsafePointer<Float>, into action: UnsafeMutablePointer<Float>, env e: Int) {
        let d = architecture.distribution.actionSize
        switch settings.algorithm {
        case .sac:
            for j in 0..<d { noise[j] = Float(explorationDraw(env: e, action: j)) }
            _ = SquashedGaussian.sample(output: output, noise: noise, dimensions: d, into: action)
        default:
            for j in 0..<d {
                let noisy = Double(Float.tanh(output[j])) + explorationDraw(env: e, action: j) * settings.actionNoise
                action[j] = Float(Swift.min(Swift.max(noisy, -1), 1))
            }
        }
    }

    /// The next standard normal draw behind env `e`'s exploration of action `j`: independent,
    /// or following the last one with `noise_correlation`.
    private func explorationDraw(env e: Int, action j: Int) -> Double {
        let fresh = explorers[e].normal()
        guard settings.noiseCorrelation > 0 else { return fresh }
        let k = e * architecture.distribution.actionSize + j
        correlatedNoise[k] = CorrelatedNoise.next(after: correlatedNoise[k], correlation: settings.noiseCorrelation, fresh: fresh)
        return correlatedNoise[k]
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
        var made = UpdateReport(update: report, updates: reports, timesteps: timesteps, totalTimesteps: reports * settings.rolloutSize,
                            wallSeconds: elapsed, stepsPerSecond: Double(timesteps) / Swift.max(elapsed, 1e-9),
                            episodeReturn: episodes.returnSummary, episodeLength: episodes.lengthSummary, episodesCompleted: episodes.completed,
                            newEpisodes: finished.map { ($0.totalReward, $0.length) }, statistics: statistics,
                            loss: statistics.policyLoss + statistics.valueLoss, actionStandardDeviation: nil,
                            explainedVariance: .nan, klCoef: 0, learningRate: learningRate, clipRange: 0,
                            rolloutSeconds: rolloutSeconds, updateSeconds: updateSeconds)
        made.algorithm = settings.algorithm
        made.entCoef = settings.algorithm == .sac ? update.alpha : nil
        return made
    }
}

/// What `gym train` needs of a trainer, whichever the algorithm.
public protocol PolicyTraining: AnyObject {
    var lastGoodPolicy: TrainedPolicy? { get }
    func checkpoint() throws -> TrainingCheckpoint
    func train(progress: (UpdateReport) throws -> Bool) throws -> TrainedPolicy
    /// Runs `work` alongside the next update where a thread is free for it (PPO with two
    /// threads), else here and now; either way it is done before the next report.
    func runAlongsideNextUpdate(_ work: @escaping @Sendable () -> Void)
}

extension PolicyTraining {
    public func runAlongsideNextUpdate(_ work: @escaping @Sendable () -> Void) { work() }
}

extension Trainer: PolicyTraining {
}

/// The trainer for `settings.algorithm`.
public func makeTrainer(settings: PPOSettings, resume: (policy: TrainedPolicy, checkpoint: TrainingCheckpoint)? = nil,
                        makeEnvironment: (Int) throws -> Environment) throws -> PolicyTraining {
    guard settings.algorithm.isOffPolicy else {
        return try Trainer(settings: settings, resume: resume, makeEnvironment: makeEnvironment)
    }
    return try OffPolicyTrainer(settings: settings, resume: resume, makeEnvironment: makeEnvironment)
}
