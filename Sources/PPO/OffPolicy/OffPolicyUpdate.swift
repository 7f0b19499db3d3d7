import Foundation
import Environments

/// What one gradient step did, for the log.
struct OffPolicyLosses {
    var critic = 0.0
    /// nil when the actor was not stepped (TD3's delayed updates).
    var actor: Double?
    /// SAC: the batch's mean -log π, and the temperature used.
    var entropy: Double?
    var alpha: Double?
}

/// One gradient step of DDPG, TD3 or SAC, on flat buffers. The actor and the critics each have
/// their own parameter block, Adam and target copy (SAC has no target actor):
///
/// 1. targets y = r + γ (1 - terminal) (min over target critics of Q'(s', a') - α log π(a'|s')),
///    where a' is the target actor's action (DDPG), with clipped noise (TD3), or a fresh sample
///    of the actor (SAC, whose α term is absent elsewhere);
/// 2. critics: the sum over critics of the mean squared error to y (halved for SAC, as SB3 does);
/// 3. actor: minimize -Q₁(s, μ(s)) (DDPG, TD3) or α log π(a|s) - min Q(s, a) (SAC);
/// 4. targets follow the live networks by Polyak averaging with τ (the critics' right after
///    their Adam step: nothing in between reads the target critics).
///
/// SAC first steps the temperature: log α descends -(log π + target entropy), as in SB3.
final class OffPolicyUpdate<T: NetworkScalar> {
    let algorithm: PPOSettings.Algorithm
    let architecture: NetworkArchitecture
    let settings: PPOSettings
    let actor: ParameterBuffer<T>
    let critics: ParameterBuffer<T>
    let targetActor: UnsafeMutablePointer<T>
    let targetCritics: UnsafeMutablePointer<T>
    let actorAdam: Adam<T>
    let criticAdam: Adam<T>
    /// SAC's log temperature and its Adam state (scalar, in Double).
    var logAlpha: Double
    var alphaMoments = (first: 0.0, second: 0.0, step: 0)
    let targetEntropy: Double
    /// Critic gradient steps so far (TD3 steps its actor every `policy_delay` of them).
    var criticSteps = 0

    let n: Int, d: Int, capacity: Int
    let criticParameters: Int
    let actorWorkspace: MLPWorkspace<T>
    let nextActorWorkspace: MLPWorkspace<T>
    let criticWorkspaces: [MLPWorkspace<T>]
    let targetCriticWorkspaces: [MLPWorkspace<T>]
    let criticInput: UnsafeMutablePointer<T>
    let nextCriticInput: UnsafeMutablePointer<T>
    let policyCriticInput: UnsafeMutablePointer<T>
    let noise: UnsafeMutablePointer<T>
    let nextNoise: UnsafeMutablePointer<T>
    let policyActions: UnsafeMutablePointer<T>
    let logProbabilities: UnsafeMutablePointer<T>
    let targets: UnsafeMutablePointer<T>
    let nextValues: UnsafeMutablePointer<T>
    /// Per critic: the loss's gradient at its output, its value, and the gradient at its input.
    let outputGradients: [UnsafeMutablePointer<T>]
    let values: [UnsafeMutablePointer<T>]
    let inputGradients: [UnsafeMutablePointer<T>]
    let actorOutputGradient: UnsafeMutablePointer<T>
    let criticLossParts: UnsafeMutablePointer<Double>
    /// The second core: the second critic, and half of each actor pass; nil with one thread.
    let helper: HelperThread?

    init(architecture: NetworkArchitecture, settings: PPOSettings, seed: UInt64) {
        precondition(architecture.criticsTakeActions, "an off-policy update needs critics of (observation, action)")
        self.algorithm = settings.algorithm
        self.architecture = architecture
        self.settings = settings
        n = architecture.observationSize
        d = architecture.distribution.actionSize
        capacity = settings.batchSize
        criticParameters = architecture.critic.parameterCount
        let criticCount = architecture.criticCount
        actor = ParameterBuffer(count: architecture.actor.parameterCount)
        critics = ParameterBuffer(count: criticCount * criticParameters)
        let all = UnsafeMutablePointer<T>.allocate(count: architecture.parameterCount, filledWith: 0)
        defer { all.deallocate() }
        architecture.initialize(all, logStdInit: 0, seed: seed)
        actor.values.update(from: all + architecture.actorOffset, count: actor.count)
        critics.values.update(from: all + architecture.criticOffset, count: critics.count)
        targetActor = .allocate(count: actor.count, filledWith: 0)
        targetActor.update(from: actor.values, count: actor.count)
        targetCritics = .allocate(count: critics.count, filledWith: 0)
        targetCritics.update(from: critics.values, count: critics.count)
        // PyTorch's Adam epsilon, which Stable-Baselines3's off-policy algorithms keep.
        actorAdam = Adam(count: actor.count, epsilon: 1e-8)
        criticAdam = Adam(count: critics.count, epsilon: 1e-8)
        logAlpha = Foundation.log(settings.entCoefInit)
        targetEntropy = -Double(d)

        actorWorkspace = MLPWorkspace(shape: architecture.actor, capacity: capacity)
        nextActorWorkspace = MLPWorkspace(shape: architecture.actor, capacity: capacity)
        let batchSize = settings.batchSize
        criticWorkspaces = (0..<criticCount).map { _ in MLPWorkspace(shape: architecture.critic, capacity: batchSize) }
        targetCriticWorkspaces = (0..<criticCount).map { _ in MLPWorkspace(shape: architecture.critic, capacity: batchSize) }
        let inputSize = architecture.critic.inputSize
        criticInput = .allocate(count: capacity * inputSize, filledWith: 0)
        nextCriticInput = .allocate(count: capacity * inputSize, filledWith: 0)
        policyCriticInput = .allocate(count: capacity * inputSize, filledWith: 0)
        noise = .allocate(count: capacity * d, filledWith: 0)
        nextNoise = .allocate(count: capacity * d, filledWith: 0)
        policyActions = .allocate(count: capacity * d, filledWith: 0)
        logProbabilities = .allocate(count: capacity, filledWith: 0)
        targets = .allocate(count: capacity, filledWith: 0)
        nextValues = .allocate(count: capacity, filledWith: 0)
        outputGradients = (0..<criticCount).map { _ in .allocate(count: batchSize, filledWith: 0) }
        values = (0..<criticCount).map { _ in .allocate(count: batchSize, filledWith: 0) }
        inputGradients = (0..<criticCount).map { _ in .allocate(count: batchSize * inputSize, filledWith: 0) }
        actorOutputGradient = .allocate(count: capacity * architecture.distribution.outputSize, filledWith: 0)
        criticLossParts = .allocate(count: criticCount, filledWith: 0)
        helper = settings.threads >= 2 ? HelperThread() : nil
    }

    deinit {
        helper?.stop()
        targetActor.deallocate()
        targetCritics.deallocate()
        for p in [criticInput, nextCriticInput, policyCriticInput, noise, nextNoise, policyActions, logProbabilities,
                  targets, nextValues, actorOutputGradient] { p.deallocate() }
        (outputGradients + values + inputGradients).forEach { $0.deallocate() }
        criticLossParts.deallocate()
    }

    var alpha: Double { Foundation.exp(logAlpha) }

    /// The matrix products' floating-point operations in one gradient step at full batch (on
    /// average, for TD3's delayed actor): the useful work, for the benchmarks' GFLOP/s.
    var flopsPerStep: Double {
        func forward(_ shape: MLPShape) -> Double { 2 * Double(settings.batchSize) * Double(shape.multiplyAdds) }
        let (a, c) = (forward(architecture.actor), forward(architecture.critic))
        // A full backward pass costs two forwards (weights and inputs), an input-only one, one.
        switch algorithm {
        case .sac: return 4 * a + 12 * c
        case .td3: return a + 8 * c + (3 * a + 2 * c) / Double(settings.policyDelay)
        case .ddpg: return 4 * a + 6 * c
        case .ppo: return 0
        }
    }

    /// Runs `body(c)` for every critic: the second on the helper thread when there is one. Each
    /// critic writes only its own memory, so the result does not depend on the threads.
    /// A lone critic gets the helper instead, to split its own passes with (`body`'s second
    /// argument; nil when the critics already share the cores).
    func forEachCritic(_ body: (Int, HelperThread?) -> Void) {
        if let helper, architecture.criticCount == 2 {
            helper.fork({ body(0, nil) }, { body(1, nil) })
        } else {
            for c in 0..<architecture.criticCount { body(c, helper) }
        }
    }

    /// The squashed deterministic action of `outputs` (rows of the actor's outputs) into the
    /// action columns of `input` (rows of observation then action).
    func writeActions(_ outputs: UnsafePointer<T>, rows: Int, into input: UnsafeMutablePointer<T>) {
        let outSize = architecture.distribution.outputSize, inputSize = n + d
        for i in 0..<rows {
            for j in 0..<d { input[i * inputSize + n + j] = T.tanh(outputs[i * outSize + j]) }
        }
    }

    func copyObservations(_ observations: UnsafePointer<T>, rows: Int, into input: UnsafeMutablePointer<T>) {
        for i in 0..<rows { (input + i * (n + d)).update(from: observations + i * n, count: n) }
    }

    /// One gradient step on `batch`. `rng` draws SAC's samples and TD3's smoothing noise.
    @_specialize(where T == Float)
    func step(_ batch: OffPolicyBatch<T>, learningRate: Double, rng: inout SeededGenerator) -> OffPolicyLosses {
        var losses = OffPolicyLosses()
        var alphaNow: T = 0
        // SAC: sample the actor's actions for this batch now, and step the temperature.
        // The actor's two forward passes, at s (for its loss) and at s' (for the targets), do
        // not depend on each other or on this step's critic update: one per core.
        let actorDue = algorithm != .td3 || (criticSteps + 1) % settings.policyDelay == 0
        var meanLogProbability = 0.0
        if algorithm == .sac { drawPolicyNoise(rows: batch.rows, rng: &rng) }
        let forwardAtS = {
            if self.algorithm == .sac {
                meanLogProbability = self.samplePolicy(batch)
            } else if actorDue {
                self.actorWorkspace.forward(parameters: self.actor.values, input: batch.observations, rows: batch.rows)
            }
        }
        if let helper, algorithm == .sac || actorDue {
            helper.fork(forwardAtS, { self.forwardNextActor(batch) })
        } else if let helper {
            forwardNextActor(batch, helper: helper)
        } else {
            forwardAtS()
            forwardNextActor(batch)
        }
        if algorithm == .sac {
            alphaNow = T(alpha)
            losses.alpha = alpha
            losses.entropy = -meanLogProbability
            if settings.autoEntCoef {
                // ∂/∂log α of -log α · (log π + target entropy), averaged over the batch.
                stepTemperature(gradient: -(meanLogProbability + targetEntropy), learningRate: learningRate)
            }
        }
        computeTargets(batch, alpha: alphaNow, rng: &rng, nextActorDone: true)
        losses.critic = criticLossAndGradients(batch)
        criticAdam.advance()
        // The target critics follow the stepped critics now rather than after the actor's step:
        // the actor's loss reads the live critics only, so the result is the same, and each
        // half of the block is stepped and averaged while it is in cache, in one fork.
        let targetsFollow = actorDue || algorithm == .sac
        onBothCores(critics.count) { range in
            self.criticAdam.step(self.critics, learningRate: learningRate, in: range)
            if targetsFollow { Self.polyak(self.targetCritics, toward: self.critics.values, in: range, tau: self.settings.tau) }
        }
        criticSteps += 1

        // The actor (TD3: every policy_delay critic steps), then its target.
        if actorDue {
            losses.actor = actorLossAndGradients(batch, alpha: alphaNow, forwardDone: true)
            actorAdam.advance()
            let hasTarget = algorithm != .sac
            onBothCores(actor.count) { range in
                self.actorAdam.step(self.actor, learningRate: learningRate, in: range)
                if hasTarget { Self.polyak(self.targetActor, toward: self.actor.values, in: range, tau: self.settings.tau) }
            }
        }
        return losses
    }

    /// Runs `body` over 0..<count, in two halves on the two cores when there is a helper. For
    /// elementwise work (Adam, Polyak): the split falls on a multiple of 8, so every element
    /// takes the same vector or scalar path either way, and the bits do not depend on threads.
    func onBothCores(_ count: Int, _ body: (Range<Int>) -> Void) {
        guard let helper, count >= 1024 else { return body(0..<count) }
        let split = count / 16 * 8
        helper.fork({ body(0..<split) }, { body(split..<count) })
    }

    /// Adam on the scalar log α (PyTorch's, epsilon 1e-8).
    func stepTemperature(gradient: Double, learningRate: Double) {
        alphaMoments.step += 1
        let t = Double(alphaMoments.step)
        alphaMoments.first = 0.9 * alphaMoments.first + 0.1 * gradient
        alphaMoments.second = 0.999 * alphaMoments.second + 0.001 * gradient * gradient
        let stepSize = learningRate / (1 - pow(0.9, t))
        logAlpha -= stepSize * alphaMoments.first / (alphaMoments.second.squareRoot() / (1 - pow(0.999, t)).squareRoot() + 1e-8)
    }

    /// target ← (1 - τ) target + τ live, over `range`.
    static func polyak(_ target: UnsafeMutablePointer<T>, toward live: UnsafePointer<T>, in range: Range<Int>, tau: Double) {
        let keep = T(1 - tau), move = T(tau)
        for i in range { target[i] = keep * target[i] + move * live[i] }
    }
}
