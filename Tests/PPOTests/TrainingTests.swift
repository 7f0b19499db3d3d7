import Environments
import Foundation
import LuaBridge
import Testing
@testable import PPO

@Suite struct TrainingTests {
    func settings(steps: Int, seed: UInt64 = 1, threads: Int = 2) -> PPOSettings {
        var s = PPOSettings()
        s.steps = steps
        s.envs = 4
        s.nSteps = 64
        s.batchSize = 64
        s.epochs = 4
        s.learningRate = 3e-3
        s.seed = seed
        s.threads = threads
        s.hidden = [16, 16]
        return s
    }

    /// Work handed over at a report runs on the helper thread during the next update, is done
    /// before the next report, leaves the policy's bits alone, and is done before `train`
    /// returns when no update follows (the last report, or one that stops the training).
    @Test func workAlongsideTheNextUpdateRunsOnTheHelperAndChangesNoBits() throws {
        final class Log: @unchecked Sendable { var threads: [UInt] = []; var ranBeforeReport: [Bool] = [] }
        let callerID = UInt(pthread_self())
        let plain = try Trainer(settings: settings(steps: 2_048)) { _ in SignBandit() }.train()
        let log = Log()
        let trainer = try Trainer(settings: settings(steps: 2_048)) { _ in SignBandit() }
        var handedOver = 0
        let alongside = try trainer.train { report in
            log.ranBeforeReport.append(log.threads.count == handedOver)
            handedOver += 1
            // Longer than an update here: the report must wait for it.
            trainer.runAlongsideNextUpdate { usleep(2_000); log.threads.append(UInt(pthread_self())) }
            return true
        }
        #expect(alongside.parameters == plain.parameters && alongside.stepsTrained == plain.stepsTrained)
        #expect(log.ranBeforeReport.allSatisfy { $0 } && log.ranBeforeReport.count == 8)
        // The last report's work has no next update: it runs before `train` returns, here.
        #expect(log.threads.count == 8 && !log.threads.dropLast().contains(callerID) && log.threads.last == callerID)

        let stopping = try Trainer(settings: settings(steps: 2_048)) { _ in SignBandit() }
        let stopped = Log()
        _ = try stopping.train { _ in
            stopping.runAlongsideNextUpdate { stopped.threads.append(UInt(pthread_self())) }
            return false
        }
        #expect(stopped.threads == [callerID])
    }

    @Test(arguments: [PPOSettings.Objective.clip, .klAdaptive, .none])
    func learnsADiscreteBandit(objective: PPOSettings.Objective) throws {
        var s = settings(steps: 6_000)
        s.objective = objective
        let policy = try Trainer(settings: s) { _ in SignBandit() }.train()
        let runner = PolicyRunner(policy: policy)
        var rng = SeededGenerator(seed: 0)
        var action = [0.0]
        for sign in [-1.0, 1.0] {
            [sign].withUnsafeBufferPointer { obs in
                action.withUnsafeMutableBufferPointer { runner.act(obs, into: $0, rng: &rng) }
            }
            #expect(action[0] == (sign > 0 ? 1 : 0), "\(objective): sign \(sign) gave action \(action[0])")
        }
    }

    @Test(arguments: [false, true])
    func learnsAContinuousTarget(shared: Bool) throws {
        var s = settings(steps: 20_000)
        s.shared = shared
        let policy = try Trainer(settings: s) { _ in TargetReach() }.train()
        for (target, action) in targetReachActions(policy) {
            #expect(abs(action - target) < 0.15, "target \(target): action \(action)")
        }
    }

    /// At every width: the kernels take other paths (packed panels) from 128 columns on.
    @Test(arguments: [[64, 64], [256, 256], [130, 200]])
    func sameSeedGivesTheSamePolicyWhateverTheThreadCount(hidden: [Int]) throws {
        var s = settings(steps: 2_048, threads: 1)
        s.hidden = hidden
        s.normalizeObservations = true
        s.normalizeReward = true
        let one = try Trainer(settings: s) { _ in TargetReach() }.train()
        s.threads = 2
        let two = try Trainer(settings: s) { _ in TargetReach() }.train()
        let again = try Trainer(settings: s) { _ in TargetReach() }.train()
        #expect(one.parameters == two.parameters)
        #expect(two.parameters == again.parameters)
        #expect(one.normalizer == two.normalizer)
        s.seed = 2
        let other = try Trainer(settings: s) { _ in TargetReach() }.train()
        #expect(other.parameters != two.parameters)
    }

    /// The helper gathers each next minibatch ahead, across epochs too (drawing the next
    /// permutation early from a copy of the generator); early stops (target_kl) and a last
    /// partial minibatch must leave the same policy as one thread, which never gathers ahead.
    @Test func gatheringAheadKeepsPoliciesEqualThroughEarlyStopsAndPartialMinibatches() throws {
        var s = settings(steps: 4_096, threads: 1)
        s.batchSize = 48        // 256 rows: five minibatches of 48 and one of 16 per epoch
        s.targetKl = 0.02
        var stops = [Int: Int]()
        var policies = [Int: [Float]]()
        for threads in [1, 2] {
            s.threads = threads
            let trainer = try Trainer(settings: s) { _ in TargetReach() }
            policies[threads] = try trainer.train { report in
                if report.statistics.stoppedEarly { stops[threads, default: 0] += 1 }
                return true
            }.parameters
        }
        #expect(policies[1] == policies[2])
        #expect(stops[1] == stops[2])
        #expect((stops[1] ?? 0) > 0 && (stops[1] ?? 0) < 16, "early stops in \(stops[1] ?? 0) of 16 updates")
    }

    /// A minibatch that is the whole rollout (CartPole's settings) is not shuffled: its rows are
    /// gathered once per update, in rollout order, and the shuffler's generator never draws.
    /// Smaller minibatches still draw a permutation each epoch. Both thread counts agree.
    @Test func aWholeRolloutMinibatchIsNotShuffled() throws {
        var s = settings(steps: 1_024, threads: 1)
        s.batchSize = s.envs * s.nSteps
        let initial = SeededGenerator(seed: SeededGenerator.derive(s.seed, stream: 12)).words
        var policies = [[Float]]()
        for threads in [1, 2] {
            s.threads = threads
            let trainer = try Trainer(settings: s) { _ in TargetReach() }
            policies.append(try trainer.train().parameters)
            #expect(trainer.updateGenerator.words == initial)
        }
        #expect(policies[0] == policies[1])
        s.batchSize = s.envs * s.nSteps / 2
        let shuffled = try Trainer(settings: s) { _ in TargetReach() }
        _ = try shuffled.train()
        #expect(shuffled.updateGenerator.words != initial)
    }

    /// A whole-rollout minibatch takes the rollout's forward passes for its first epoch instead
    /// of running them again: the same policy, bit for bit, with one thread or two (each then
    /// records its own envs' rows), for Gaussian and categorical policies and for tanh and ReLU
    /// layers. A shuffled minibatch records nothing.
    @Test(arguments: [false, true])
    func theRolloutsForwardPassesStandInForTheFirstEpochs(discrete: Bool) throws {
        var s = settings(steps: 1_024, threads: 1)
        s.batchSize = s.envs * s.nSteps
        for activation in [Activation.tanh, .relu] {
            s.activation = activation
            for threads in [1, 2] {
                s.threads = threads
                func train(reusing: Bool) throws -> [Float] {
                    let trainer = try Trainer(settings: s) { _ in discrete ? SignBandit() as Environment : TargetReach() }
                    #expect(trainer.updater.forwardRecord != nil)
                    trainer.reusesRolloutForward = reusing
                    return try trainer.train().parameters
                }
                let reused = try train(reusing: true)
                #expect(reused.map(\.bitPattern) == (try train(reusing: false)).map(\.bitPattern), "\(activation), \(threads) threads")
            }
        }
        s.batchSize = s.envs * s.nSteps / 2
        #expect(try Trainer(settings: s) { _ in TargetReach() }.updater.forwardRecord == nil)
    }

    /// The trainer's buffers put separate networks' critic on a cache line (the next multiple of
    /// 16 floats), with a gap of zeros after the log std; policies and checkpoints keep the packed
    /// layout, and a shared trunk keeps it in training too.
    @Test func trainingLayoutPutsTheCriticOnACacheLineAndPacksBack() {
        for (hidden, distribution) in [([64, 64], ActionDistributionKind.categorical(count: 2)),
                                        ([256, 256], .gaussian(dimensions: 1)), ([16], .gaussian(dimensions: 3))] {
            let architecture = NetworkArchitecture(observationSize: 4, distribution: distribution, hidden: hidden,
                                                   activation: .tanh, shared: false)
            let layout = architecture.trainingOffsets, packed = architecture.offsets
            #expect(layout.critic % 16 == 0 && layout.critic >= packed.critic && layout.critic < packed.critic + 16)
            #expect(layout.policyEnd == packed.critic && layout.parameterCount - layout.critic == packed.parameterCount - packed.critic)
            let parameters = (0..<architecture.parameterCount).map { Float($0 + 1) }
            let spread = architecture.trainingLayout(parameters)
            #expect(spread[packed.critic..<layout.critic].allSatisfy { $0 == 0 })
            #expect(spread[layout.critic] == parameters[packed.critic])
            #expect(spread.withUnsafeBufferPointer { architecture.packedParameters($0.baseAddress!) } == parameters)
        }
        let shared = NetworkArchitecture(observationSize: 3, distribution: .gaussian(dimensions: 2), hidden: [4, 5],
                                         activation: .tanh, shared: true)
        #expect(shared.trainingOffsets.critic == shared.offsets.critic)
    }

    /// The shared layout (PPO's `--shared`, as in the paper): one trunk, then a linear policy head
    /// and a linear value head. The off-policy work once gave the value head the hidden layers
    /// again; a shared policy of gym 0.2.0 would then no longer load.
    @Test func sharedTrunkHasLinearHeads() {
        let architecture = NetworkArchitecture(observationSize: 3, distribution: .gaussian(dimensions: 2), hidden: [4, 5],
                                               activation: .tanh, shared: true)
        #expect(architecture.trunk?.sizes == [3, 4, 5])
        #expect(architecture.actor.sizes == [5, 2])
        #expect(architecture.critic.sizes == [5, 1])
        // Trunk 3·4 + 4 + 4·5 + 5, policy head 5·2 + 2, log std 2, value head 5 + 1.
        #expect(architecture.parameterCount == 41 + 12 + 2 + 6)
    }

    /// bench-train's GFLOP/s: the matrix products' work per minibatch row, counted by hand for
    /// obs 3, hidden [4, 5], 2 actions. Separate: actor 3·4 + 4·5 + 5·2 = 42 multiply-adds
    /// forward, 42 for the weight gradients, 20 + 10 for the input gradients (none at the
    /// observations): 114; critic 37 + 37 + 25 = 99; 2 FLOPs each. Shared: trunk 32 + 32 + 20,
    /// heads 10 · 3 and 5 · 3 (their input gradients feed the trunk): 129.
    @Test func updateWorkIsCountedPerMinibatchRow() throws {
        func flopsPerRow(shared: Bool, valueFit: PPOSettings.ValueFit = .adam) -> Double {
            let architecture = NetworkArchitecture(observationSize: 3, distribution: .gaussian(dimensions: 2), hidden: [4, 5],
                                                   activation: .tanh, shared: shared)
            var s = settings(steps: 64)
            s.valueFit = valueFit
            return PPOUpdate<Float>(architecture: architecture, settings: s, parameters: ParameterBuffer(count: architecture.trainingOffsets.parameterCount),
                                    adam: Adam(count: architecture.trainingOffsets.parameterCount)).flopsPerRow
        }
        #expect(flopsPerRow(shared: false) == 2 * (114 + 99))
        #expect(flopsPerRow(shared: true) == 2 * 129)
        #expect(flopsPerRow(shared: false, valueFit: .lbfgs) == 2 * 114)

        // Two updates of 4 epochs over 256 rows: 2,048 rows through the passes.
        let s = settings(steps: 512)
        let trainer = try Trainer(settings: s) { _ in TargetReach() }
        let policy = try trainer.train()
        let perRow = PPOUpdate<Float>(architecture: policy.architecture, settings: s,
                                      parameters: ParameterBuffer(count: policy.architecture.trainingOffsets.parameterCount),
                                      adam: Adam(count: policy.architecture.trainingOffsets.parameterCount)).flopsPerRow
        #expect(trainer.updateFlops == 2_048 * perRow)
    }

    /// Rows cut by the time limit bootstrap from the value of the final observation; rows that
    /// terminate do not; the next row starts the new episode.
    @Test func truncationBootstrapsAndTerminationDoesNot() throws {
        for (terminateAt, maxSteps) in [(nil, 3), (3, 10)] as [(Int?, Int)] {
            let vector = try VectorEnvironment(count: 1) { _ in Counter(maxSteps: maxSteps, terminateAt: terminateAt) }
            let architecture = NetworkArchitecture(observationSize: 1, distribution: .categorical(count: 2), hidden: [4],
                                                   activation: .tanh, shared: false)
            // Big random weights, so values differ clearly from observation to observation; the
            // collector reads them in the trainer's layout, the policy in the packed one.
            let packed: [Float] = randomArray(architecture.parameterCount, seed: 7, scale: 1)
            let parameters = ParameterBuffer<Float>(count: architecture.trainingOffsets.parameterCount)
            parameters.load(architecture.trainingLayout(packed))
            let collector = RolloutCollector<Float>(vector: vector, architecture: architecture, threads: 1, seed: 1)
            let buffer = RolloutBuffer<Float>(steps: 5, envs: 1, observationSize: 1, actionSize: 1, outputSize: 2)
            try vector.reset(seed: 0)
            let normalizer = ObservationNormalizer(size: 1, enabled: false)
            try collector.collect(into: buffer, parameters: parameters.values, normalizer: normalizer, rewardScaling: nil)
            #expect((0..<5).map { buffer.observations[$0] } == [0, 1, 2, 0, 1])
            #expect((0..<5).map { buffer.episodeEnds[$0] } == [false, false, true, false, false])
            let runner = PolicyRunner(policy: TrainedPolicy(
                envName: "Counter", observationSpace: .box(low: [0], high: [100]), actionSpace: .discrete(2),
                architecture: architecture, normalizer: normalizer, parameters: packed,
                settings: PPOSettings(), stepsTrained: 0, updates: 0, wallSeconds: 0))
            let valueOfFinal = [3.0].withUnsafeBufferPointer { runner.value($0) }
            #expect(valueOfFinal != 0)
            #expect(buffer.nextValues[2] == (terminateAt == nil ? valueOfFinal : 0))
            #expect(buffer.truncated[2] == (terminateAt == nil))
        }
    }

    @Test func aNonFiniteRewardStopsTrainingNamingTheUpdate() throws {
        var s = settings(steps: 4 * 64 * 3)
        s.batchSize = 32
        let trainer = try Trainer(settings: s) { _ in Counter(maxSteps: 1000, nanRewardAt: 100) }
        #expect(throws: TrainingError.nonFinite(quantity: "a reward (env 0)", update: 2)) { try trainer.train() }
        #expect(trainer.lastGoodPolicy?.stepsTrained == 256)
    }

    @Test func trainTableOverridesDefaultsAndRejectsUnknownKeys() throws {
        let table = LuaTable(fields: ["n_steps": .integer(32), "learning_rate": .number(1e-3), "anneal_lr": .boolean(true),
                                      "hidden": .table(LuaTable(sequence: [.integer(32), .integer(32)])),
                                      "objective": .string("kl-adaptive")])
        let s = try PPOSettings().applying(trainTable: table, source: "t.lua")
        #expect(s.nSteps == 32 && s.learningRate == 1e-3 && s.annealLearningRate && s.hidden == [32, 32])
        #expect(s.objective == .klAdaptive && s.epochs == PPOSettings().epochs)
        #expect(throws: TrainingError.self) {
            try PPOSettings().applying(trainTable: LuaTable(fields: ["lerning_rate": .number(1)]), source: "t.lua")
        }
        do {
            _ = try PPOSettings().applying(trainTable: LuaTable(fields: ["n_steps": .string("many")]), source: "t.lua")
            Issue.record("a string n_steps was accepted")
        } catch {
            #expect("\(error)".contains("t.lua: train.n_steps"))
        }
    }

    /// Settings as an older or newer gym wrote them: missing keys take defaults, unknown keys are
    /// ignored, so policy files stay readable across versions.
    @Test func settingsDecodeWithMissingAndUnknownKeys() throws {
        let json = #"{"n_steps": 64, "seed": 9, "setting_from_the_future": true}"#
        let s = try JSONDecoder().decode(PPOSettings.self, from: Data(json.utf8))
        var expected = PPOSettings()
        expected.nSteps = 64
        expected.seed = 9
        #expect(s == expected)
        let roundTrip = try JSONDecoder().decode(PPOSettings.self, from: JSONEncoder().encode(expected))
        #expect(roundTrip == expected)
    }
}
