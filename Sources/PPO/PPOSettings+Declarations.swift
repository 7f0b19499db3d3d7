extension PPOSettings {
    /// Every setting, declared once, in the order of docs/training.md's table. A test checks
    /// that each field of `PPOSettings` has exactly one entry here, and that each entry has
    /// its flag and its row in the docs. Helps are one sentence: they print in `gym train --help`.
    nonisolated(unsafe) public static let declarations: [Setting] = [
        .choice("algorithm", \.algorithm,
                help: "The learning algorithm: PPO, or off-policy DDPG, TD3 or SAC for box actions (each has its own defaults)."),
        .count("steps", \.steps, atLeast: 1, atMost: Limits.steps, why: "over ten days at a million steps a second",
               help: "Total environment steps to train for (rounded up to whole rollouts)."),
        .count("envs", \.envs, atLeast: 1, atMost: Limits.envs, why: "each env is a Lua state with its own heap",
               help: "Environments stepped together, each its own Lua state."),
        .count("n_steps", \.nSteps, atLeast: 1,
               help: "Steps per environment per rollout (off-policy: per progress report); a rollout is envs x n_steps transitions."),
        .count("batch_size", \.batchSize, atLeast: 2, help: "Transitions per minibatch."),
        .count("epochs", \.epochs, atLeast: 1, atMost: Limits.epochs, help: "Passes over each rollout."),
        .real("learning_rate", \.learningRate, .positive, help: "Adam's step size (at the start, when annealed; Adam's epsilon is 1e-5 for PPO, 1e-8 off-policy)."),
        .boolean("anneal_lr", \.annealLearningRate, help: "Anneal the learning rate linearly to 0 over training."),
        .real("gamma", \.gamma, .aboveUpTo(0, 1), help: "Discount factor."),
        .real("gae_lambda", \.gaeLambda, .closed(0, 1), help: "GAE's lambda: bias (0) against variance (1) of the advantage estimate."),
        .choice("objective", \.objective, help: "The surrogate objective the policy maximizes (docs/training.md, objectives)."),
        .real("clip_range", \.clipRange, .positive, help: "Epsilon of the clipped objective: the ratio is clipped to [1 - eps, 1 + eps]."),
        .boolean("anneal_clip_range", \.annealClipRange, help: "Anneal the clip range linearly to 0 over training."),
        .real("kl_coef", \.klCoef, .atLeastZero(offAtZero: false), help: "Beta of the KL-penalty objectives (the initial beta for kl-adaptive)."),
        .real("kl_adaptive_target", formerKeys: ["kl_target"], \.klAdaptiveTarget, .positive,
              help: "kl-adaptive only: the KL that beta is steered toward (halved below target/1.5, doubled above 1.5 x target)."),
        .real("target_kl", \.targetKl, .atLeastZero(offAtZero: true),
              help: "Early stop: end an update's epochs once a minibatch's approximate KL exceeds 1.5 x this (0: off)."),
        .real("ent_coef", \.entCoef, .any, help: "Entropy bonus coefficient."),
        .real("vf_coef", \.vfCoef, .atLeastZero(offAtZero: false), help: "Value-loss coefficient (it matters for a shared trunk and for gradient clipping)."),
        .real("max_grad_norm", \.maxGradNorm, .atLeastZero(offAtZero: true), help: "Clip the global gradient norm to this (0: off)."),
        .boolean("normalize_advantage", \.normalizeAdvantage, help: "Normalize advantages within each minibatch."),
        .real("clip_range_vf", \.clipRangeVf, .atLeastZero(offAtZero: true),
              help: "Clip value predictions to within this of the old values, PPO2-style (0: off)."),
        .sizes("hidden", \.hidden, layers: Limits.hiddenLayers, width: Limits.hiddenWidth,
               help: "Hidden layer sizes of the actor and the critic each, or of the shared trunk (none: a linear policy)."),
        .choice("activation", \.activation, help: "Hidden-layer activation."),
        .boolean("shared", \.shared, help: "One trunk for actor and critic, trained on the paper's combined loss."),
        .real("log_std_init", \.logStdInit, .closed(-20, 5), help: "Initial log standard deviation of a Gaussian policy."),
        .boolean("normalize_observations", \.normalizeObservations,
                 help: "Normalize observations by their running mean and standard deviation (saved with the policy)."),
        .boolean("normalize_reward", \.normalizeReward, help: "Scale rewards by the running standard deviation of the discounted return."),
        .real("normalization_clip", \.normalizationClip, .positive, help: "Normalized observations (and scaled rewards) are clipped to +-this."),
        .choice("value_fit", \.valueFit, help: "How the critic is fitted: adam, with the policy; or lbfgs, RL Coach's full-batch fit per update."),
        .real("value_target_mix", \.valueTargetMix, .aboveUpTo(0, 1),
              help: "lbfgs only: value targets are (1 - mix) x old values + mix x returns."),
        .count("lbfgs_iterations", \.lbfgsIterations, atLeast: 1, atMost: Limits.lbfgsIterations, help: "lbfgs only: iterations per update."),
        .count("buffer_size", \.bufferSize, atLeast: 1, atMost: Limits.replayTransitions, why: "the replay buffer is kept in memory",
               help: "Off-policy: transitions the replay buffer keeps (the oldest are overwritten)."),
        .count("learning_starts", \.learningStarts, atLeast: 0,
               help: "Off-policy: transitions collected with uniformly random actions before learning starts."),
        .count("train_freq", \.trainFreq, atLeast: 1, help: "Off-policy: steps of every env between gradient phases."),
        .count("gradient_steps", \.gradientSteps, atLeast: 1, atMost: Limits.gradientSteps,
               help: "Off-policy: gradient steps per gradient phase."),
        .real("tau", \.tau, .aboveUpTo(0, 1), help: "Off-policy: target networks move this fraction toward the live ones each update (Polyak)."),
        .real("action_noise", \.actionNoise, .atLeastZero(offAtZero: true),
              help: "DDPG and TD3: standard deviation of the Gaussian exploration noise, in actions scaled to [-1, 1]."),
        .real("noise_correlation", \.noiseCorrelation, .closed(0, 0.999),
              help: "Off-policy: correlation of each env's exploration noise from one step to the next (0: independent; near 1: slow, wandering pushes that find sparse rewards)."),
        .count("policy_delay", \.policyDelay, atLeast: 1, atMost: Limits.gradientSteps,
               help: "TD3: critic updates per actor and target update."),
        .real("target_policy_noise", \.targetPolicyNoise, .atLeastZero(offAtZero: true),
              help: "TD3: standard deviation of the noise added to the target actor's actions (smoothing)."),
        .real("target_noise_clip", \.targetNoiseClip, .atLeastZero(offAtZero: false), help: "TD3: the smoothing noise is clipped to +-this."),
        .boolean("auto_ent_coef", \.autoEntCoef,
                 help: "SAC: tune the entropy temperature toward a target entropy of -(action size); off, it stays at ent_coef_init."),
        .real("ent_coef_init", \.entCoefInit, .positive, help: "SAC: the entropy temperature alpha at the start."),
        .seed("seed", \.seed, help: "Seed for everything random; the same seed gives the same policy, bit for bit."),
        .count("threads", \.threads, atLeast: 1, atMost: Limits.threads, help: "Worker threads; the result does not depend on it."),
    ]

    /// The declaration of `key`, or of the setting that used to be called `key`.
    public static func declaration(_ key: String) -> Setting? {
        declarations.first { $0.key == key } ?? declarations.first { $0.formerKeys.contains(key) }
    }

    /// Every key a `train` table may use (former names aside).
    public static var keys: [String] { declarations.map(\.key) }

    /// The first problem with these settings, if any, in the words of the key that has it:
    /// each setting's own range first, then the limits that tie settings together.
    public func problem() -> String? {
        for setting in Self.declarations {
            if let problem = setting.problem(in: self) { return problem }
        }
        if nSteps > Limits.rolloutTransitions / envs {
            return "envs x n_steps is more than \(Limits.rolloutTransitions) transitions, which a rollout keeps in memory"
        }
        if algorithm.isOffPolicy {
            if batchSize > bufferSize { return "batch_size (\(batchSize)) exceeds buffer_size (\(bufferSize))" }
            if shared { return "shared applies to PPO only; \(algorithm.rawValue) has separate actor and critic networks" }
            if normalizeReward { return "normalize_reward applies to PPO only" }
            if valueFit != .adam { return "value_fit applies to PPO only" }
        } else if batchSize > rolloutSize {
            return "batch_size (\(batchSize)) exceeds a rollout (envs x n_steps = \(rolloutSize))"
        }
        if shared && hidden.isEmpty { return "a shared trunk needs at least one hidden layer" }
        return nil
    }

    /// The settings in which `other` differs, as `key old -> new`.
    public func differences(from other: PPOSettings) -> [String] {
        Self.declarations.compactMap { setting in
            let mine = setting.value(in: self), theirs = setting.value(in: other)
            return mine == theirs ? nil : "\(setting.key) \(mine) -> \(theirs)"
        }
    }
}

/// Policy files and `settings.json` hold the settings as a JSON object under the declared keys.
/// Missing keys keep their defaults and unknown keys are ignored, so a file written before or
/// after a setting existed still loads (the golden-file test says so); a former key is read
/// when the new one is absent.
extension PPOSettings: Codable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.init(stringValue) }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for setting in Self.declarations {
            let key = Key(setting.key)
            switch setting.value(in: self) {
            case .integer(let n): try container.encode(n, forKey: key)
            case .unsigned(let n): try container.encode(n, forKey: key)
            case .real(let x): try container.encode(x, forKey: key)
            case .boolean(let b): try container.encode(b, forKey: key)
            case .text(let s): try container.encode(s, forKey: key)
            case .sizes(let sizes): try container.encode(sizes, forKey: key)
            }
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        var settings = PPOSettings()
        for setting in Self.declarations {
            guard let key = ([setting.key] + setting.formerKeys).map(Key.init).first(where: container.contains) else { continue }
            let value: SettingValue
            switch setting.kind {
            case .count: value = .integer(try container.decode(Int.self, forKey: key))
            case .seed: value = .unsigned(try container.decode(UInt64.self, forKey: key))
            case .real: value = .real(try container.decode(Double.self, forKey: key))
            case .boolean: value = .boolean(try container.decode(Bool.self, forKey: key))
            case .sizes: value = .sizes(try container.decode([Int].self, forKey: key))
            case .choice(let words):
                let word = try container.decode(String.self, forKey: key)
                guard words.contains(word) else {
                    throw DecodingError.dataCorruptedError(forKey: key, in: container,
                                                           debugDescription: "\(setting.key) must be one of: \(words.joined(separator: ", "))")
                }
                value = .text(word)
            }
            setting.set(value, in: &settings)
            // The algorithm is declared first: the keys after it default to its defaults.
            if setting.key == "algorithm" { settings = PPOSettings.defaults(for: settings.algorithm) }
        }
        self = settings
    }
}
