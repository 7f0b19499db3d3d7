import PPO

/// The header's "metadata" object. Its own plain types, so the file format stays put when the
/// engine's types change. Readers ignore keys they do not know (newer minor versions add some).
struct PolicyMetadata: Codable {
    /// "policy" (what users run and share) or "checkpoint" (a policy plus the state to resume).
    var kind: String
    var gymVersion: String
    /// ISO 8601, UTC.
    var createdAt: String
    var algorithm: String
    var settings: PPOSettings
    var seed: UInt64
    var env: Env
    var observationSpace: SpaceInfo
    var actionSpace: SpaceInfo
    var architecture: Architecture
    var observationNormalization: Normalization
    var stepsTrained: Int
    var updates: Int
    var wallSeconds: Double
    /// Present in checkpoints only.
    var checkpoint: CheckpointInfo?
    /// Scenario files training ran under (added in 1.0 as an optional key).
    var trainingScenarios: [String]?

    enum CodingKeys: String, CodingKey {
        case kind, algorithm, settings, seed, env, architecture, updates, checkpoint
        case gymVersion = "gym_version", createdAt = "created_at", observationSpace = "observation_space"
        case actionSpace = "action_space", observationNormalization = "observation_normalization"
        case stepsTrained = "steps_trained", wallSeconds = "wall_seconds"
        case trainingScenarios = "training_scenarios"
    }

    struct Env: Codable {
        var name: String
        /// The script's path as given to `gym train`.
        var script: String?
        /// `SourceHash` of the script's bytes.
        var sourceHash: String?
        enum CodingKeys: String, CodingKey { case name, script, sourceHash = "source_hash" }
    }

    /// A space's kind and size; box bounds are tensors (`<space>.low`, `<space>.high`), since
    /// JSON cannot hold the infinities they may contain.
    struct SpaceInfo: Codable {
        var kind: String
        var size: Int
    }

    struct Architecture: Codable {
        var observationSize: Int
        /// "gaussian" (diagonal, state-independent log std) or "categorical".
        var distribution: String
        var outputs: Int
        var hidden: [Int]
        var activation: String
        var shared: Bool
        enum CodingKeys: String, CodingKey {
            case distribution, outputs, hidden, activation, shared
            case observationSize = "observation_size"
        }
    }

    struct Normalization: Codable {
        var enabled: Bool
        var clip: Double
        var count: Double
    }

    struct CheckpointInfo: Codable {
        var adamStep: Int
        var klCoef: Double
        var episodesCompleted: Int
        var returnCount: Double
        /// Off-policy checkpoints only.
        var offPolicy: OffPolicyInfo?
        enum CodingKeys: String, CodingKey {
            case adamStep = "adam_step", klCoef = "kl_coef", episodesCompleted = "episodes_completed"
            case returnCount = "return_count", offPolicy = "off_policy"
        }
    }

    /// The scalars of an off-policy run's state (its arrays are tensors).
    struct OffPolicyInfo: Codable {
        var actorAdamStep: Int
        var logAlpha: Double
        /// SAC's temperature optimizer: first moment, second moment, step.
        var alphaAdam: [Double]
        var replayCount: Int
        var replayPosition: Int
        enum CodingKeys: String, CodingKey {
            case actorAdamStep = "actor_adam_step", logAlpha = "log_alpha", alphaAdam = "alpha_adam"
            case replayCount = "replay_count", replayPosition = "replay_position"
        }
    }
}
