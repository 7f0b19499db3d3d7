import ArgumentParser
import LuaBridge
import PPO

/// The flags of `gym train` and `gym bench-train` that override training settings: one per
/// entry of `PPOSettings.declarations`, named after its key (`n_steps` is `nSteps`, hence
/// `--n-steps`) and helped by its sentence. Each is optional: an unset flag leaves the env
/// file's `train` table (or the built-in default) in force. Values are read by the setting's
/// declaration, as the `train` table's are; a test checks that flags and declarations match.
struct TrainingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: about("algorithm")) var algorithm: String?
    @Option(parsing: .unconditional, help: about("steps")) var steps: String?
    @Option(parsing: .unconditional, help: about("envs")) var envs: String?
    @Option(parsing: .unconditional, help: about("n_steps")) var nSteps: String?
    @Option(parsing: .unconditional, help: about("batch_size")) var batchSize: String?
    @Option(parsing: .unconditional, help: about("epochs")) var epochs: String?
    @Option(parsing: .unconditional, help: about("learning_rate")) var learningRate: String?
    @Flag(inversion: .prefixedNo, help: about("anneal_lr")) var annealLr: Bool?
    @Option(parsing: .unconditional, help: about("gamma")) var gamma: String?
    @Option(parsing: .unconditional, help: about("gae_lambda")) var gaeLambda: String?
    @Option(parsing: .unconditional, help: about("objective")) var objective: String?
    @Option(parsing: .unconditional, help: about("clip_range")) var clipRange: String?
    @Flag(inversion: .prefixedNo, help: about("anneal_clip_range")) var annealClipRange: Bool?
    @Option(parsing: .unconditional, help: about("kl_coef")) var klCoef: String?
    @Option(parsing: .unconditional, help: about("kl_adaptive_target")) var klAdaptiveTarget: String?
    @Option(parsing: .unconditional, help: about("target_kl")) var targetKl: String?
    @Option(parsing: .unconditional, help: about("ent_coef")) var entCoef: String?
    @Option(parsing: .unconditional, help: about("vf_coef")) var vfCoef: String?
    @Option(parsing: .unconditional, help: about("max_grad_norm")) var maxGradNorm: String?
    @Flag(inversion: .prefixedNo, help: about("normalize_advantage")) var normalizeAdvantage: Bool?
    @Option(parsing: .unconditional, help: about("clip_range_vf")) var clipRangeVf: String?
    @Option(parsing: .unconditional, help: about("hidden")) var hidden: String?
    @Option(parsing: .unconditional, help: about("activation")) var activation: String?
    @Flag(inversion: .prefixedNo, help: about("shared")) var shared: Bool?
    @Option(parsing: .unconditional, help: about("log_std_init")) var logStdInit: String?
    @Flag(inversion: .prefixedNo, help: about("normalize_observations")) var normalizeObservations: Bool?
    @Flag(inversion: .prefixedNo, help: about("normalize_reward")) var normalizeReward: Bool?
    @Option(parsing: .unconditional, help: about("normalization_clip")) var normalizationClip: String?
    @Option(parsing: .unconditional, help: about("value_fit")) var valueFit: String?
    @Option(parsing: .unconditional, help: about("value_target_mix")) var valueTargetMix: String?
    @Option(parsing: .unconditional, help: about("lbfgs_iterations")) var lbfgsIterations: String?
    @Option(parsing: .unconditional, help: about("buffer_size")) var bufferSize: String?
    @Option(parsing: .unconditional, help: about("learning_starts")) var learningStarts: String?
    @Option(parsing: .unconditional, help: about("train_freq")) var trainFreq: String?
    @Option(parsing: .unconditional, help: about("gradient_steps")) var gradientSteps: String?
    @Option(parsing: .unconditional, help: about("tau")) var tau: String?
    @Option(parsing: .unconditional, help: about("action_noise")) var actionNoise: String?
    @Option(parsing: .unconditional, help: about("noise_correlation")) var noiseCorrelation: String?
    @Option(parsing: .unconditional, help: about("policy_delay")) var policyDelay: String?
    @Option(parsing: .unconditional, help: about("target_policy_noise")) var targetPolicyNoise: String?
    @Option(parsing: .unconditional, help: about("target_noise_clip")) var targetNoiseClip: String?
    @Flag(inversion: .prefixedNo, help: about("auto_ent_coef")) var autoEntCoef: Bool?
    @Option(parsing: .unconditional, help: about("ent_coef_init")) var entCoefInit: String?
    @Option(parsing: .unconditional, help: about("seed")) var seed: String?
    @Option(parsing: .unconditional, help: about("threads")) var threads: String?

    // Former spellings, still accepted with a note.
    @Option(name: .customLong("kl-target"), parsing: .unconditional, help: .hidden) var formerKlTarget: String?
    @Flag(name: .customLong("no-advantage-normalization"), help: .hidden) var formerNoAdvantageNormalization = false

    /// The settings a run starts from: the defaults of the algorithm asked for (`--algorithm`,
    /// else PPO), the env file's `train` table for that algorithm, then every given flag.
    func settings(trainTable: LuaTable?, source: String, deprecated: (String) -> Void = { _ in }) throws -> PPOSettings {
        var algorithm = PPOSettings.Algorithm.ppo
        if let text = self.algorithm {
            guard let chosen = PPOSettings.Algorithm(rawValue: text) else {
                let words = PPOSettings.Algorithm.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("--algorithm must be one of: \(words)")
            }
            algorithm = chosen
        }
        let base = try PPOSettings.recommended(for: algorithm, trainTable: trainTable, source: source, deprecated: deprecated)
        return try apply(to: base, deprecated: deprecated)
    }

    /// `base` with every given flag laid over it, checked. `deprecated` hears of former spellings.
    func apply(to base: PPOSettings, deprecated: (String) -> Void = { _ in }) throws -> PPOSettings {
        var settings = base
        for (property, value) in Mirror(reflecting: self).children.compactMap(Self.given) {
            guard let setting = PPOSettings.declaration(Self.key(ofProperty: property)) else { continue }
            switch value {
            case .text(let text): settings = try Self.set(setting, text, in: settings)
            case .boolean(let on): setting.set(.boolean(on), in: &settings)
            }
        }
        if let formerKlTarget {
            deprecated("--kl-target is now --kl-adaptive-target; the old name still works for now")
            settings = try Self.set(PPOSettings.declaration("kl_adaptive_target")!, formerKlTarget, in: settings)
        }
        if formerNoAdvantageNormalization {
            deprecated("--no-advantage-normalization is now --no-normalize-advantage; the old name still works for now")
            settings.normalizeAdvantage = false
        }
        if let problem = settings.problem() { throw ValidationError(problem) }
        return settings
    }

    private enum Given { case text(String), boolean(Bool) }

    /// A flag the user gave: its property's name and value.
    private static func given(_ child: Mirror.Child) -> (String, Given)? {
        guard let label = child.label, label.hasPrefix("_") else { return nil }
        let property = String(label.dropFirst())
        if let option = child.value as? Option<String?>, let text = option.wrappedValue { return (property, .text(text)) }
        if let flag = child.value as? Flag<Bool?>, let on = flag.wrappedValue { return (property, .boolean(on)) }
        return nil
    }

    /// `n_steps` for `nSteps`.
    static func key(ofProperty name: String) -> String {
        name.reduce(into: "") { key, character in
            if character.isUppercase { key += "_" + character.lowercased() } else { key.append(character) }
        }
    }

    private static func set(_ setting: Setting, _ text: String, in settings: PPOSettings) throws -> PPOSettings {
        var settings = settings
        do {
            setting.set(try setting.parse(flagText: text), in: &settings)
        } catch {
            throw ValidationError(error.description)
        }
        return settings
    }
}

/// A flag's help: its setting's sentence.
private func about(_ key: String) -> ArgumentHelp {
    ArgumentHelp(PPOSettings.declaration(key)?.fullHelp ?? "")
}
