import ArgumentParser
import Foundation
import PPO

/// Flags that override training settings. Each is optional: unset flags leave the env file's
/// `train` table (or the built-in default) in force.
struct TrainingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Total environment steps.") var steps: Int?
    @Option(parsing: .unconditional, help: "Seed for everything random; the same seed gives the same policy, bit for bit.") var seed: UInt64?
    @Option(parsing: .unconditional, help: "Environments stepped together.") var envs: Int?
    @Option(name: .customLong("n-steps"), parsing: .unconditional, help: "Steps per environment per rollout.") var nSteps: Int?
    @Option(name: .customLong("batch-size"), parsing: .unconditional, help: "Minibatch size.") var batchSize: Int?
    @Option(parsing: .unconditional, help: "Epochs over each rollout.") var epochs: Int?
    @Option(name: .customLong("learning-rate"), parsing: .unconditional, help: "Adam step size.") var learningRate: Double?
    @Flag(name: .customLong("anneal-lr"), help: "Anneal the learning rate linearly to 0.") var annealLearningRate = false
    @Option(parsing: .unconditional, help: "Discount factor.") var gamma: Double?
    @Option(name: .customLong("gae-lambda"), parsing: .unconditional, help: "GAE lambda.") var gaeLambda: Double?
    @Option(parsing: .unconditional, help: "Surrogate objective: clip, kl-adaptive, kl-fixed, none.") var objective: String?
    @Option(name: .customLong("clip-range"), parsing: .unconditional, help: "Epsilon of the clipped objective.") var clipRange: Double?
    @Flag(name: .customLong("anneal-clip-range"), help: "Anneal the clip range linearly to 0.") var annealClipRange = false
    @Option(name: .customLong("kl-coef"), parsing: .unconditional, help: "Beta of the KL objectives (initial beta for kl-adaptive).") var klCoef: Double?
    @Option(name: .customLong("kl-target"), parsing: .unconditional, help: "KL that kl-adaptive steers beta toward.") var klTarget: Double?
    @Option(name: .customLong("target-kl"), parsing: .unconditional, help: "Stop an update early when a minibatch's approximate KL exceeds 1.5x this.") var targetKl: Double?
    @Option(name: .customLong("ent-coef"), parsing: .unconditional, help: "Entropy bonus coefficient.") var entCoef: Double?
    @Option(name: .customLong("vf-coef"), parsing: .unconditional, help: "Value loss coefficient.") var vfCoef: Double?
    @Option(name: .customLong("max-grad-norm"), parsing: .unconditional, help: "Global gradient-norm clip (0: off).") var maxGradNorm: Double?
    @Flag(name: .customLong("no-advantage-normalization"), help: "Do not normalize advantages per minibatch.") var noAdvantageNormalization = false
    @Option(name: .customLong("clip-range-vf"), parsing: .unconditional, help: "Clip value predictions to within this of the old values (0: off).") var clipRangeVf: Double?
    @Option(parsing: .unconditional, help: "Hidden layer sizes, comma-separated (e.g. 64,64; none for a linear policy).") var hidden: String?
    @Option(parsing: .unconditional, help: "Hidden activation: tanh or relu.") var activation: String?
    @Flag(help: "One shared trunk for actor and critic, trained on the combined loss.") var shared = false
    @Option(name: .customLong("log-std-init"), parsing: .unconditional, help: "Initial log standard deviation of a Gaussian policy.") var logStdInit: Double?
    @Flag(name: .customLong("normalize-observations"), help: "Running mean/std observation normalization.") var normalizeObservations = false
    @Flag(name: .customLong("normalize-reward"), help: "Scale rewards by the running std of the discounted return.") var normalizeReward = false
    @Option(name: .customLong("value-fit"), parsing: .unconditional, help: "How the critic is fitted: adam, or lbfgs (RL Coach's full-batch fit).") var valueFit: String?
    @Option(name: .customLong("value-target-mix"), parsing: .unconditional, help: "L-BFGS value targets: (1 - mix) old values + mix returns.") var valueTargetMix: Double?
    @Option(parsing: .unconditional, help: "Worker threads (results do not depend on it).") var threads: Int?

    func apply(to base: PPOSettings) throws -> PPOSettings {
        var s = base
        if let steps { s.steps = steps }
        if let seed { s.seed = seed }
        if let envs { s.envs = envs }
        if let nSteps { s.nSteps = nSteps }
        if let batchSize { s.batchSize = batchSize }
        if let epochs { s.epochs = epochs }
        if let learningRate { s.learningRate = learningRate }
        if annealLearningRate { s.annealLearningRate = true }
        if let gamma { s.gamma = gamma }
        if let gaeLambda { s.gaeLambda = gaeLambda }
        if let objective { s.objective = try Self.choice(objective, flag: "--objective") }
        if let clipRange { s.clipRange = clipRange }
        if annealClipRange { s.annealClipRange = true }
        if let klCoef { s.klCoef = klCoef }
        if let klTarget { s.klTarget = klTarget }
        if let targetKl { s.targetKl = targetKl }
        if let entCoef { s.entCoef = entCoef }
        if let vfCoef { s.vfCoef = vfCoef }
        if let maxGradNorm { s.maxGradNorm = maxGradNorm }
        if noAdvantageNormalization { s.normalizeAdvantage = false }
        if let clipRangeVf { s.clipRangeVf = clipRangeVf }
        if let hidden {
            if hidden == "none" {
                s.hidden = []
            } else {
                let sizes = hidden.split(separator: ",", omittingEmptySubsequences: false)
                    .map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard !sizes.isEmpty, !sizes.contains(nil) else {
                    throw ValidationError("--hidden takes comma-separated sizes, e.g. 64,64 (or none, for a linear policy); got '\(hidden)'")
                }
                s.hidden = sizes.map { $0! }
            }
        }
        if let activation { s.activation = try Self.choice(activation, flag: "--activation") }
        if shared { s.shared = true }
        if let logStdInit { s.logStdInit = logStdInit }
        if normalizeObservations { s.normalizeObservations = true }
        if normalizeReward { s.normalizeReward = true }
        if let valueFit { s.valueFit = try Self.choice(valueFit, flag: "--value-fit") }
        if let valueTargetMix { s.valueTargetMix = valueTargetMix }
        if let threads { s.threads = threads }
        if let problem = s.problem() { throw ValidationError(problem) }
        return s
    }

    /// One of an enum's cases by its raw value, or an error listing them.
    private static func choice<E: RawRepresentable & CaseIterable>(_ text: String, flag: String) throws -> E
    where E.RawValue == String {
        guard let value = E(rawValue: text) else {
            throw ValidationError("\(flag) must be one of: \(E.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}
