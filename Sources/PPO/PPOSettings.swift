/// Every PPO hyperparameter, in one typed struct. The env file's `train = {...}` table, the
/// flags of `gym train` and the saved policy's metadata all map onto it through its
/// `declarations`, one per field.
public struct PPOSettings: Equatable, Sendable {
    /// The learning algorithm. PPO is on-policy; the others learn off-policy from a replay
    /// buffer and need box actions (docs/training.md, off-policy learning).
    public enum Algorithm: String, Codable, Sendable, CaseIterable {
        case ppo
        /// Deep deterministic policy gradient: a deterministic actor, one critic, target copies.
        case ddpg
        /// Twin delayed DDPG: twin critics, target policy smoothing, delayed actor updates.
        case td3
        /// Soft actor-critic: a squashed Gaussian actor, twin critics, a tuned entropy temperature.
        case sac

        public var isOffPolicy: Bool { self != .ppo }
    }

    public enum Objective: String, Codable, Sendable, CaseIterable {
        /// The clipped surrogate, L^CLIP (the paper's recommended objective).
        case clip
        /// Surrogate minus β·KL, β adapted after each update toward `kl_adaptive_target`.
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

    // The fields, with their defaults. What each means, its key, flag and allowed values are in
    // `declarations` (PPOSettings+Declarations.swift): the one place a setting is described.
    public var algorithm = Algorithm.ppo
    public var steps = 100_000
    public var envs = 8
    public var nSteps = 128
    public var batchSize = 64
    public var epochs = 10
    public var learningRate = 3e-4
    public var annealLearningRate = false
    public var gamma = 0.99
    public var gaeLambda = 0.95
    public var objective = Objective.clip
    public var clipRange = 0.2
    public var annealClipRange = false
    public var klCoef = 1.0
    public var klAdaptiveTarget = 0.01
    public var targetKl = 0.0
    public var entCoef = 0.0
    public var vfCoef = 0.5
    public var maxGradNorm = 0.5
    public var normalizeAdvantage = true
    public var clipRangeVf = 0.0
    public var hidden = [64, 64]
    public var activation = Activation.tanh
    public var shared = false
    public var logStdInit = 0.0
    public var normalizeObservations = false
    public var normalizeReward = false
    public var normalizationClip = 10.0
    public var valueFit = ValueFit.adam
    public var valueTargetMix = 0.1
    public var lbfgsIterations = 20
    public var bufferSize = 1_000_000
    public var learningStarts = 100
    public var trainFreq = 1
    public var gradientSteps = 1
    public var tau = 0.005
    public var actionNoise = 0.1
    public var noiseCorrelation = 0.0
    public var policyDelay = 2
    public var targetPolicyNoise = 0.2
    public var targetNoiseClip = 0.5
    public var autoEntCoef = true
    public var entCoefInit = 1.0
    public var seed: UInt64 = 0
    public var threads = 2

    public init() {}

    /// The defaults of an algorithm: PPO's are the fields' initial values; the off-policy
    /// algorithms take Stable-Baselines3's (256x256 ReLU for SAC, 400x300 for TD3 and DDPG),
    /// one env, and a progress report every 1000 steps.
    public static func defaults(for algorithm: Algorithm) -> PPOSettings {
        var settings = PPOSettings()
        settings.algorithm = algorithm
        guard algorithm.isOffPolicy else { return settings }
        settings.envs = 1
        settings.nSteps = 1000
        settings.batchSize = 256
        settings.activation = .relu
        settings.hidden = algorithm == .sac ? [256, 256] : [400, 300]
        settings.learningRate = algorithm == .sac ? 3e-4 : 1e-3
        settings.maxGradNorm = 0
        return settings
    }

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
        /// The replay buffer holds every stored transition in memory.
        public static let replayTransitions = 1 << 26
        public static let gradientSteps = 100_000
    }
}
