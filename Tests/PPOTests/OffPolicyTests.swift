import Environments
import Foundation
import Testing
@testable import PPO

/// DDPG, TD3 and SAC: every loss's gradient against finite differences (in Double), targets,
/// Polyak averaging and the squashed Gaussian against hand-computed values, the replay buffer,
/// and a one-step task each algorithm must learn.
@Suite struct OffPolicyTests {
    func settings(_ algorithm: PPOSettings.Algorithm, batch: Int = 6, hidden: [Int] = [5, 4]) -> PPOSettings {
        var s = PPOSettings.defaults(for: algorithm)
        s.batchSize = batch
        s.hidden = hidden
        s.activation = .tanh  // smooth, so finite differences hold everywhere
        s.threads = 1
        s.gamma = 0.9
        s.entCoefInit = 0.3
        return s
    }

    func makeUpdate(_ algorithm: PPOSettings.Algorithm, observationSize n: Int = 3, actionSize d: Int = 2,
                    settings custom: PPOSettings? = nil) -> OffPolicyUpdate<Double> {
        let s = custom ?? settings(algorithm)
        let architecture = NetworkArchitecture.offPolicy(algorithm, observationSize: n, actionSize: d, hidden: s.hidden,
                                                         activation: s.activation)
        let update = OffPolicyUpdate<Double>(architecture: architecture, settings: s, seed: 5)
        // Random weights of a size that makes every unit matter, but keeps tanh short of
        // saturation: where 1 - a² is far below log π's ε = 1e-6, finite differences lose
        // their digits to rounding.
        update.actor.load(randomArray(update.actor.count, seed: 31, scale: 0.5))
        update.critics.load(randomArray(update.critics.count, seed: 32, scale: 0.8))
        return update
    }

    func makeBatch(rows: Int, observationSize n: Int = 3, actionSize d: Int = 2) -> OffPolicyBatch<Double> {
        let batch = OffPolicyBatch<Double>(capacity: rows, observationSize: n, actionSize: d)
        batch.rows = rows
        var rng = SeededGenerator(seed: 41)
        for i in 0..<(rows * n) { batch.observations[i] = rng.uniform(-1, 1); batch.nextObservations[i] = rng.uniform(-1, 1) }
        for i in 0..<(rows * d) { batch.actions[i] = rng.uniform(-0.9, 0.9) }
        for i in 0..<rows { batch.rewards[i] = rng.uniform(-2, 1); batch.terminals[i] = i % 3 == 0 ? 1 : 0 }
        return batch
    }

    @Test(arguments: PPOSettings.Algorithm.allCases.filter(\.isOffPolicy))
    func criticGradientsMatchFiniteDifferences(algorithm: PPOSettings.Algorithm) {
        let update = makeUpdate(algorithm)
        let batch = makeBatch(rows: 6)
        var rng = SeededGenerator(seed: 1)
        update.computeTargets(batch, alpha: 0.3, rng: &rng)
        _ = update.criticLossAndGradients(batch)
        let analytic = Array(UnsafeBufferPointer(start: update.critics.gradients, count: update.critics.count))
        var parameters = update.critics.valueArray
        for i in 0..<parameters.count {
            let numeric = centralDifference(&parameters, i) { p in
                update.critics.load(p)
                return update.criticLossAndGradients(batch)
            }
            #expect(relativeError(numeric, analytic[i]) < 1e-5, "\(algorithm) critic parameter \(i): numeric \(numeric), backward \(analytic[i])")
        }
    }

    @Test(arguments: PPOSettings.Algorithm.allCases.filter(\.isOffPolicy))
    func actorGradientsMatchFiniteDifferences(algorithm: PPOSettings.Algorithm) {
        let update = makeUpdate(algorithm)
        let batch = makeBatch(rows: 6)
        var rng = SeededGenerator(seed: 2)
        update.drawPolicyNoise(rows: batch.rows, rng: &rng)
        // SAC's loss is a function of the actor's parameters through the sampled actions (the
        // noise held fixed: the reparameterization); DDPG's and TD3's through μ(s).
        func loss() -> Double {
            if algorithm == .sac { update.samplePolicy(batch) }
            return update.actorLossAndGradients(batch, alpha: 0.3)
        }
        _ = loss()
        let analytic = Array(UnsafeBufferPointer(start: update.actor.gradients, count: update.actor.count))
        var parameters = update.actor.valueArray
        for i in 0..<parameters.count {
            let numeric = centralDifference(&parameters, i) { p in
                update.actor.load(p)
                return loss()
            }
            #expect(relativeError(numeric, analytic[i]) < 1e-5, "\(algorithm) actor parameter \(i): numeric \(numeric), backward \(analytic[i])")
        }
    }

    /// Critics whose last layer has zero weights value everything at their output bias, so the
    /// targets are r + γ (1 - terminal) (min bias - α log π'), by hand.
    @Test(arguments: PPOSettings.Algorithm.allCases.filter(\.isOffPolicy))
    func targetsAreTheOneStepBootstrapOfTheSmallerTargetCritic(algorithm: PPOSettings.Algorithm) {
        let update = makeUpdate(algorithm)
        let shape = update.architecture.critic
        let last = shape.layerCount - 1
        let biases = [0.7, -0.4]
        for c in 0..<update.architecture.criticCount {
            let base = c * shape.parameterCount
            (update.targetCritics + base + shape.weightOffset(last)).update(repeating: 0, count: shape.sizes[last])
            update.targetCritics[base + shape.biasOffset(last)] = biases[c]
        }
        let minimum = update.architecture.criticCount == 2 ? -0.4 : 0.7
        let batch = makeBatch(rows: 6)
        var rng = SeededGenerator(seed: 3)
        let alpha = 0.25
        update.computeTargets(batch, alpha: alpha, rng: &rng)
        let d = 2
        for i in 0..<6 {
            var entropyTerm = 0.0
            if algorithm == .sac {
                // log π of the next action, from the actor's output at s' and the noise used.
                let workspace = MLPWorkspace<Double>(shape: update.architecture.actor, capacity: 1)
                let output = workspace.forward(parameters: update.actor.values, input: batch.nextObservations + i * 3, rows: 1)
                var logProbability = 0.0
                for j in 0..<d {
                    let logStd = min(max(output[d + j], -20), 2)
                    let u = output[j] + exp(logStd) * update.nextNoise(i * d + j)
                    logProbability += Self.squashedLogDensity(tanh(u), mean: output[j], std: exp(logStd))
                }
                entropyTerm = -alpha * logProbability
            }
            let expected = batch.rewards[i] + 0.9 * (1 - batch.terminals[i]) * (minimum + entropyTerm)
            // log π's ε = 1e-6 inside log(1 - a² + ε) is the only difference from the closed form.
            #expect(abs(update.target(i) - expected) < 1e-4 * max(1, abs(expected)), "\(algorithm) row \(i): \(update.target(i)) vs \(expected)")
        }
    }

    /// The density of a = tanh(u), u ~ N(mean, std²), by the change of variables:
    /// log p(a) = log N(atanh a; mean, std) - log(1 - a²).
    static func squashedLogDensity(_ a: Double, mean: Double, std: Double) -> Double {
        let u = atanh(a)
        let z = (u - mean) / std
        return -z * z / 2 - log(std) - 0.5 * log(2 * Double.pi) - log(1 - a * a)
    }

    @Test func squashedGaussianLogProbabilityIsTheClosedForm() {
        let output: [Double] = [0.3, -1.1, -0.5, 0.2]  // means, then log stds
        let noise: [Double] = [0.8, -0.4]
        var action = [0.0, 0.0]
        let logProbability = output.withUnsafeBufferPointer { o in
            noise.withUnsafeBufferPointer { e in
                action.withUnsafeMutableBufferPointer {
                    SquashedGaussian.sample(output: o.baseAddress!, noise: e.baseAddress!, dimensions: 2, into: $0.baseAddress!)
                }
            }
        }
        var expected = 0.0
        for j in 0..<2 {
            let std = exp(output[2 + j])
            #expect(abs(action[j] - tanh(output[j] + std * noise[j])) < 1e-12)
            expected += Self.squashedLogDensity(action[j], mean: output[j], std: std)
        }
        // The ε = 1e-6 inside log(1 - a² + ε) is the only difference.
        #expect(abs(logProbability - expected) < 1e-5, "\(logProbability) vs \(expected)")
    }

    @Test func squashedGaussianGradientMatchesFiniteDifferences() {
        var output: [Double] = [0.3, -1.1, -0.5, 0.2, 0.9, 2.5]  // the last log std is clamped to 2: no gradient
        let d = 3
        let noise: [Double] = [0.8, -0.4, 0.05]
        let actionWeights: [Double] = [0.7, -1.2, 0.4]
        let scale = 0.37
        func f(_ o: [Double]) -> Double {
            var action = [Double](repeating: 0, count: d)
            let logProbability = o.withUnsafeBufferPointer { op in
                noise.withUnsafeBufferPointer { e in
                    action.withUnsafeMutableBufferPointer {
                        SquashedGaussian.sample(output: op.baseAddress!, noise: e.baseAddress!, dimensions: d, into: $0.baseAddress!)
                    }
                }
            }
            return scale * logProbability + zip(action, actionWeights).reduce(0) { $0 + $1.0 * $1.1 }
        }
        var action = [Double](repeating: 0, count: d)
        _ = output.withUnsafeBufferPointer { o in
            noise.withUnsafeBufferPointer { e in
                action.withUnsafeMutableBufferPointer {
                    SquashedGaussian.sample(output: o.baseAddress!, noise: e.baseAddress!, dimensions: d, into: $0.baseAddress!)
                }
            }
        }
        var gradient = [Double](repeating: 0, count: 2 * d)
        SquashedGaussian.addGradient(output: output, noise: noise, action: action, dimensions: d, logProbabilityScale: scale,
                                     actionGradient: actionWeights, into: &gradient)
        for i in 0..<(2 * d) {
            let numeric = centralDifference(&output, i, f)
            #expect(relativeError(numeric, gradient[i]) < 1e-5, "output \(i): numeric \(numeric), analytic \(gradient[i])")
        }
        #expect(gradient[2 * d - 1] == 0, "a clamped log std gets no gradient")
    }

    /// Correlated exploration keeps each draw standard normal while neighbours agree by ρ; at
    /// ρ = 0 it is the plain draws, bit for bit.
    @Test func correlatedNoiseHasUnitVarianceAndTheAskedLagOneCorrelation() {
        for rho in [0.0, 0.5, 0.9, 0.99] {
            var rng = SeededGenerator(seed: 17)
            var x = 0.0
            var draws: [Double] = []
            for t in 0..<200_000 {
                let fresh = rng.normal()
                x = CorrelatedNoise.next(after: x, correlation: rho, fresh: fresh)
                if rho == 0 { #expect(x == fresh) }
                if t >= 1000 { draws.append(x) }
            }
            let mean = draws.reduce(0, +) / Double(draws.count)
            let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(draws.count)
            let lagOne = zip(draws, draws.dropFirst()).reduce(0) { $0 + ($1.0 - mean) * ($1.1 - mean) } / Double(draws.count - 1) / variance
            // ρ = 0.99 averages over fewer independent stretches: a wider band for its variance.
            #expect(abs(variance - 1) < (rho > 0.95 ? 0.12 : 0.03), "ρ \(rho): variance \(variance)")
            #expect(abs(lagOne - rho) < 0.01, "ρ \(rho): lag-one correlation \(lagOne)")
        }
    }

    @Test func polyakMovesTargetsByTau() {
        var target: [Float] = [1, -2, 0.5]
        let live: [Float] = [3, 2, 0.5]
        OffPolicyUpdate<Float>.polyak(&target, toward: live, in: 0..<3, tau: 0.25)
        #expect(target == [1.5, -1, 0.5])
        OffPolicyUpdate<Float>.polyak(&target, toward: live, in: 0..<3, tau: 1)
        #expect(target == live, "tau 1 copies")
    }

    @Test func replayBufferWrapsAroundAndSamplesOnlyStoredTransitions() {
        let replay = ReplayBuffer(capacity: 3, observationSize: 2, actionSize: 1)
        for t in 0..<5 {
            let obs = [Double(t), -Double(t)], next = [Double(t) + 0.5, 0]
            let action: [Float] = [Float(t) / 10]
            replay.add(observation: obs, action: action, reward: Double(t), terminated: t == 4, nextObservation: next)
            #expect(replay.count == min(t + 1, 3))
        }
        // Slots hold transitions 3, 4, 2: the two newest overwrote the two oldest.
        #expect((0..<3).map { replay.rewards[$0] } == [3, 4, 2])
        #expect((0..<3).map { replay.observations[2 * $0] } == [3, 4, 2])
        #expect((0..<3).map { replay.nextObservations[2 * $0] } == [3.5, 4.5, 2.5])
        #expect((0..<3).map { replay.terminals[$0] } == [0, 1, 0])
        #expect(replay.position == 2)
        var rng = SeededGenerator(seed: 9)
        var indices = [Int](repeating: -1, count: 300)
        replay.sampleIndices(300, into: &indices, rng: &rng)
        #expect(Set(indices) == [0, 1, 2], "uniform over the stored slots only")
        let batch = OffPolicyBatch<Float>(capacity: 4, observationSize: 2, actionSize: 1)
        var again = SeededGenerator(seed: 9)
        batch.draw(4, from: replay, normalizer: ObservationNormalizer(size: 2, enabled: false), rng: &again)
        for r in 0..<4 {
            let slot = indices[r]
            #expect(batch.rewards[r] == replay.rewards[slot] && batch.observations[2 * r] == Float(replay.observations[2 * slot]))
        }
    }

    func learn(_ algorithm: PPOSettings.Algorithm, threads: Int = 1, steps: Int = 3000) throws -> TrainedPolicy {
        var s = PPOSettings.defaults(for: algorithm)
        s.steps = steps
        s.hidden = [32, 32]
        s.batchSize = 64
        s.learningStarts = 200
        s.nSteps = 500
        s.threads = threads
        s.seed = 4
        return try OffPolicyTrainer(settings: s) { _ in TargetReach() }.train()
    }

    /// The one-step task: the action must match the observation, in a box of [-2, 2].
    @Test(arguments: PPOSettings.Algorithm.allCases.filter(\.isOffPolicy))
    func learnsAOneStepContinuousTarget(algorithm: PPOSettings.Algorithm) throws {
        for (target, action) in targetReachActions(try learn(algorithm)) {
            #expect(abs(action - target) < 0.15, "\(algorithm), target \(target): action \(action)")
        }
    }

    @Test(arguments: [PPOSettings.Algorithm.ddpg, .td3, .sac])
    func sameSeedGivesTheSamePolicyWhateverTheThreadCount(algorithm: PPOSettings.Algorithm) throws {
        let one = try learn(algorithm, threads: 1, steps: 1000)
        let two = try learn(algorithm, threads: 2, steps: 1000)
        #expect(one.parameters == two.parameters)
    }

    /// A pass split between two threads (rows for forward and input gradients, weight against
    /// input gradients for backward) gives the bits of the pass on one.
    @Test(arguments: [37, 256])
    func mlpPassesSplitAcrossThreadsGiveTheSameBits(rows: Int) {
        let helper = HelperThread()
        defer { helper.stop() }
        for activation in [Activation.relu, .tanh] {
            let shape = MLPShape(sizes: [5, 130, 64, 3], activation: activation)
            let parameters: [Float] = randomArray(shape.parameterCount, seed: 51, scale: 0.3)
            let input: [Float] = randomArray(rows * 5, seed: 52)
            let outputGradient: [Float] = randomArray(rows * 3, seed: 53)
            func pass(_ helper: HelperThread?, weights: Bool) -> (output: [UInt32], gradients: [UInt32], inputGradient: [UInt32]) {
                let workspace = MLPWorkspace<Float>(shape: shape, capacity: rows)
                var gradients = [Float](repeating: 0, count: shape.parameterCount)
                var inputGradient = [Float](repeating: 0, count: rows * 5)
                let output = Array(UnsafeBufferPointer(start: workspace.forward(parameters: parameters, input: input, rows: rows,
                                                                                helper: helper), count: rows * 3))
                gradients.withUnsafeMutableBufferPointer { g in
                    workspace.backward(parameters: parameters, outputGradient: outputGradient,
                                       gradients: weights ? g.baseAddress! : nil, inputGradient: &inputGradient, helper: helper)
                }
                return (output.map(\.bitPattern), gradients.map(\.bitPattern), inputGradient.map(\.bitPattern))
            }
            for weights in [true, false] {
                let one = pass(nil, weights: weights), two = pass(helper, weights: weights)
                #expect(one.output == two.output && one.gradients == two.gradients && one.inputGradient == two.inputGradient,
                        "\(activation), rows \(rows), weight gradients \(weights)")
            }
        }
    }

    /// A transition cut by the time limit keeps its bootstrap (terminal 0) and stores the
    /// episode's final observation as the next one, not the reset's; a termination stores 1.
    @Test func replayStoresFinalObservationsAndBootstrapsOnlyWithoutTermination() throws {
        for (terminateAt, maxSteps) in [(nil, 3), (3, 10)] as [(Int?, Int)] {
            var s = PPOSettings.defaults(for: .td3)
            s.steps = 7
            s.nSteps = 7
            s.learningStarts = 100
            let trainer = try OffPolicyTrainer(settings: s) { _ in Counter(maxSteps: maxSteps, terminateAt: terminateAt, boxActions: true) }
            _ = try trainer.train()
            let replay = trainer.replay
            #expect((0..<7).map { replay.observations[$0] } == [0, 1, 2, 0, 1, 2, 0])
            #expect((0..<7).map { replay.nextObservations[$0] } == [1, 2, 3, 1, 2, 3, 1], "the final observation, 3, at the episode's end")
            let ended: Float = terminateAt == nil ? 0 : 1
            #expect((0..<7).map { replay.terminals[$0] } == [0, 0, ended, 0, 0, ended, 0])
        }
    }

    @Test func aNaNRewardStopsTrainingKeepingTheLastGoodPolicy() throws {
        var s = PPOSettings.defaults(for: .sac)
        s.steps = 40
        s.nSteps = 10
        s.learningStarts = 5
        s.batchSize = 4
        s.hidden = [8]
        let trainer = try OffPolicyTrainer(settings: s) { _ in Counter(maxSteps: 100, nanRewardAt: 25, boxActions: true) }
        #expect(throws: TrainingError.nonFinite(quantity: "a reward (env 0)", update: 3)) { try trainer.train() }
        #expect(trainer.lastGoodPolicy?.stepsTrained == 20)
    }

    @Test func discreteActionsAreRefusedWithOneClearMessage() {
        #expect(throws: TrainingError.settings("sac needs box (continuous) actions; SignBandit has Discrete(2) actions: train it with --algorithm ppo")) {
            _ = try OffPolicyTrainer(settings: PPOSettings.defaults(for: .sac)) { _ in SignBandit() }
        }
    }

    @Test func offPolicySettingsAreChecked() {
        func problem(_ change: (inout PPOSettings) -> Void) -> String? {
            var s = PPOSettings.defaults(for: .td3)
            change(&s)
            return s.problem()
        }
        #expect(problem { _ in } == nil)
        #expect(problem { $0.tau = 0 } == "tau must be in (0, 1]")
        #expect(problem { $0.tau = 1.5 } == "tau must be in (0, 1]")
        #expect(problem { $0.bufferSize = 100 } == "batch_size (256) exceeds buffer_size (100)")
        #expect(problem { $0.normalizeReward = true } == "normalize_reward applies to PPO only")
        #expect(problem { $0.gradientSteps = 0 } == "gradient_steps must be at least 1")
    }
}
