/// Every PPO hyperparameter, in one place. The env file's `train = {...}` table, the CLI flags
/// and the saved policy's metadata all map onto this struct, under the snake_case keys below.
public struct PPOSettings: Codable, Equatable, Sendable {
    public enum Objective: String, Codable, Sendable, CaseIterable {
        /// The clipped surrogate, L^CLIP (the paper's recommended objective).
        case clip
        /// Surrogate minus β·KL, β adapted after each update toward `kl_target`.
        case klAdaptive = "kl-adaptive"
        /// Surrogate minus a fixed β·KL.
        case klFixed = "kl-fixed"
        /// The plain surrogate r·A: the paper's unclipped baseline.
        case none
    }

    public enum ValueFit: String, Codable, Sendable, CaseIterable {
        /// The value loss is minimized by Adam alongside the policy loss (the usual PPO).
        case adam
        /// One full-batch L-BFGS fit of the value network per update (RL Coach's PPO).
        case lbfgs
    }

    /// Total environment steps to train for (rounded up to whole rollouts).
    public var steps = 100_000
    /// Environments stepped together; each its own Lua state.
    public var envs = 8
    /// Steps per environment per rollout; a rollout is envs x n_steps transitions.
    public var nSteps = 128
    /// Transitions per minibatch.
    public var batchSize = 64
    /// Passes over each rollout.
    public var epochs = 10
    /// Adam's step size (at the start, when annealed).
    public var learningRate = 3e-4
    /// Linearly anneal the learning rate to 0 over training.
    public var annealLearningRate = false
    /// Discount factor.
    public var gamma = 0.99
    /// GAE's λ: bias (0) versus variance (1) of the advantage estimate.
    public var gaeLambda = 0.95
    /// Which surrogate objective the policy maximizes.
    public var objective = Objective.clip
    /// ε of the clipped objective: the ratio is clipped to [1-ε, 1+ε].
    public var clipRange = 0.2
    /// Linearly anneal the clip range to 0 over training.
    public var annealClipRange = false
    /// β of the KL-penalty objectives (the initial β for kl-adaptive).
    public var klCoef = 1.0
    /// The KL that kl-adaptive steers β toward: halves β below target/1.5, doubles it above 1.5·target.
    public var klTarget = 0.01
    /// Stop an update's epochs early once a minibatch's approximate KL exceeds 1.5x this (0: off).
    public var targetKl = 0.0
    /// Entropy bonus coefficient.
    public var entCoef = 0.0
    /// Value loss coefficient (matters for the shared trunk and for gradient clipping).
    public var vfCoef = 0.5
    /// Clip the global gradient norm to this (0: off).
    public var maxGradNorm = 0.5
    /// Normalize advantages within each minibatch.
    public var normalizeAdvantage = true
    /// Clip value predictions to within this of the old values, PPO2-style (0: off).
    public var clipRangeVf = 0.0
    /// Hidden layer sizes, for the actor and the critic each (or the shared trunk).
    public var hidden = [64, 64]
    /// Hidden-layer activation.
    public var activation = Activation.tanh
    /// One trunk for actor and critic, trained on the combined loss.
    public var shared = false
    /// Initial log standard deviation of the Gaussian policy.
    public var logStdInit = 0.0
    /// Normalize observations by running mean and standard deviation (saved with the policy).
    public var normalizeObservations = false
    /// Scale rewards by the running standard deviation of the discounted return.
    public var normalizeReward = false
    /// Normalized observations (and scaled rewards) are clipped to ±this.
    public var normalizationClip = 10.0
    /// How the value function is fitted.
    public var valueFit = ValueFit.adam
    /// L-BFGS fitting: weight of the returns in the targets, (1 - mix)·old values + mix·returns
    /// (RL Coach's `value_targets_mix_fraction`).
    public var valueTargetMix = 0.1
    /// L-BFGS iterations per update.
    public var lbfgsIterations = 20
    /// Seed for initialization, environments, sampling and shuffling.
    public var seed: UInt64 = 0
    /// Worker threads for env stepping and the update; results do not depend on it.
    public var threads = 2

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case steps, envs, epochs, gamma, objective, hidden, activation, shared, seed, threads
        case nSteps = "n_steps", batchSize = "batch_size", learningRate = "learning_rate"
        case annealLearningRate = "anneal_lr", gaeLambda = "gae_lambda", clipRange = "clip_range"
        case annealClipRange = "anneal_clip_range", klCoef = "kl_coef", klTarget = "kl_target"
        case targetKl = "target_kl", entCoef = "ent_coef", vfCoef = "vf_coef"
        case maxGradNorm = "max_grad_norm", normalizeAdvantage = "normalize_advantage"
        case clipRangeVf = "clip_range_vf", logStdInit = "log_std_init"
        case normalizeObservations = "normalize_observations", normalizeReward = "normalize_reward"
        case normalizationClip = "normalization_clip", valueFit = "value_fit"
        case valueTargetMix = "value_target_mix", lbfgsIterations = "lbfgs_iterations"
    }

    /// Missing keys keep their defaults: a policy file written before a setting existed still
    /// loads in every later gym (its golden-file test says so).
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var settings = PPOSettings()
        func take<T: Decodable>(_ key: CodingKeys, _ field: WritableKeyPath<PPOSettings, T>) throws {
            if let value = try container.decodeIfPresent(T.self, forKey: key) { settings[keyPath: field] = value }
        }
        try take(.steps, \.steps)
        try take(.envs, \.envs)
        try take(.epochs, \.epochs)
        try take(.gamma, \.gamma)
        try take(.objective, \.objective)
        try take(.hidden, \.hidden)
        try take(.activation, \.activation)
        try take(.shared, \.shared)
        try take(.seed, \.seed)
        try take(.threads, \.threads)
        try take(.nSteps, \.nSteps)
        try take(.batchSize, \.batchSize)
        try take(.learningRate, \.learningRate)
        try take(.annealLearningRate, \.annealLearningRate)
        try take(.gaeLambda, \.gaeLambda)
        try take(.clipRange, \.clipRange)
        try take(.annealClipRange, \.annealClipRange)
        try take(.klCoef, \.klCoef)
        try take(.klTarget, \.klTarget)
        try take(.targetKl, \.targetKl)
        try take(.entCoef, \.entCoef)
        try take(.vfCoef, \.vfCoef)
        try take(.maxGradNorm, \.maxGradNorm)
        try take(.normalizeAdvantage, \.normalizeAdvantage)
        try take(.clipRangeVf, \.clipRangeVf)
        try take(.logStdInit, \.logStdInit)
        try take(.normalizeObservations, \.normalizeObservations)
        try take(.normalizeReward, \.normalizeReward)
        try take(.normalizationClip, \.normalizationClip)
        try take(.valueFit, \.valueFit)
        try take(.valueTargetMix, \.valueTargetMix)
        try take(.lbfgsIterations, \.lbfgsIterations)
        self = settings
    }

    /// Every key a `train` table may use.
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    /// Transitions per rollout.
    public var rolloutSize: Int { envs * nSteps }
    /// Rollouts (and updates) needed to reach `steps`.
    public var updateCount: Int { (steps + rolloutSize - 1) / rolloutSize }

    /// Upper limits, checked before anything is allocated. Each says why in `problem()`.
    public enum Limits {
        /// A million steps a second for eleven days: more is a typo.
        public static let steps = 1 << 40
        /// Each env is a Lua state with its own heap (up to --max-memory).
        public static let envs = 4096
        /// The rollout buffer holds every transition of a rollout in memory.
        public static let rolloutTransitions = 1 << 24
        public static let epochs = 100_000
        public static let hiddenWidth = 1 << 14
        public static let hiddenLayers = 64
        public static let threads = 256
        public static let lbfgsIterations = 100_000
    }

    /// The first problem with these settings, if any, in the words of the key that has it.
    public func problem() -> String? {
        if steps < 1 { return "steps must be at least 1" }
        if steps > Limits.steps { return "steps is \(steps), more than \(Limits.steps) (over ten days at a million steps a second)" }
        if envs < 1 { return "envs must be at least 1" }
        if envs > Limits.envs { return "envs is \(envs), more than \(Limits.envs) (each env is a Lua state with its own heap)" }
        if nSteps < 1 { return "n_steps must be at least 1" }
        if nSteps > Limits.rolloutTransitions / envs {
            return "envs x n_steps is more than \(Limits.rolloutTransitions) transitions, which a rollout keeps in memory"
        }
        if batchSize < 2 { return "batch_size must be at least 2" }
        if batchSize > rolloutSize { return "batch_size (\(batchSize)) exceeds a rollout (envs x n_steps = \(rolloutSize))" }
        if epochs < 1 { return "epochs must be at least 1" }
        if epochs > Limits.epochs { return "epochs is \(epochs), more than \(Limits.epochs)" }
        for (key, value) in finiteSettings where !value.isFinite {
            return "\(key) must be a finite number (got \(value))"
        }
        if !(learningRate > 0) { return "learning_rate must be positive" }
        if !(gamma > 0 && gamma <= 1) { return "gamma must be in (0, 1]" }
        if !(gaeLambda >= 0 && gaeLambda <= 1) { return "gae_lambda must be in [0, 1]" }
        if !(clipRange > 0) { return "clip_range must be positive" }
        if !(klCoef >= 0) { return "kl_coef must be at least 0" }
        if !(klTarget > 0) { return "kl_target must be positive" }
        if !(targetKl >= 0) { return "target_kl must be at least 0 (0: off)" }
        if !(vfCoef >= 0) { return "vf_coef must be at least 0" }
        if !(maxGradNorm >= 0) { return "max_grad_norm must be at least 0 (0: off)" }
        if !(clipRangeVf >= 0) { return "clip_range_vf must be at least 0 (0: off)" }
        if !(normalizationClip > 0) { return "normalization_clip must be positive" }
        if !(logStdInit >= -20 && logStdInit <= 5) { return "log_std_init must be in [-20, 5]" }
        if hidden.count > Limits.hiddenLayers { return "hidden has \(hidden.count) layers, more than \(Limits.hiddenLayers)" }
        if hidden.contains(where: { $0 < 1 }) { return "hidden layer sizes must be positive" }
        if let wide = hidden.first(where: { $0 > Limits.hiddenWidth }) {
            return "a hidden layer of \(wide) units is wider than \(Limits.hiddenWidth)"
        }
        if shared && hidden.isEmpty { return "a shared trunk needs at least one hidden layer" }
        if threads < 1 { return "threads must be at least 1" }
        if threads > Limits.threads { return "threads is \(threads), more than \(Limits.threads)" }
        if !(valueTargetMix > 0 && valueTargetMix <= 1) { return "value_target_mix must be in (0, 1]" }
        if lbfgsIterations < 1 { return "lbfgs_iterations must be at least 1" }
        if lbfgsIterations > Limits.lbfgsIterations { return "lbfgs_iterations is more than \(Limits.lbfgsIterations)" }
        return nil
    }

    private var finiteSettings: [(String, Double)] {
        [("learning_rate", learningRate), ("gamma", gamma), ("gae_lambda", gaeLambda), ("clip_range", clipRange),
         ("kl_coef", klCoef), ("kl_target", klTarget), ("target_kl", targetKl), ("ent_coef", entCoef),
         ("vf_coef", vfCoef), ("max_grad_norm", maxGradNorm), ("clip_range_vf", clipRangeVf),
         ("log_std_init", logStdInit), ("normalization_clip", normalizationClip), ("value_target_mix", valueTargetMix)]
    }
}
