import Environments
import Foundation
import LuaBridge
import PolicyFile
import PPO

/// Every PPO setting, with gym's defaults (`steps`, `envs`, `nSteps`, `batchSize`, `epochs`,
/// `learningRate`, `gamma`, `hidden`, `seed`, `threads`, ...). `problem()` says what is wrong
/// with a combination, if anything.
public typealias TrainingSettings = PPOSettings
/// What one update reports: timesteps, returns of finished episodes, losses, speed.
public typealias TrainingProgress = UpdateReport

/// PPO training: what `gym train` does, without the files (save the result with
/// ``GymPolicy/save(to:)``).
///
/// ```swift
/// var settings = try GymTraining.recommendedSettings(for: "envs/pendulum.lua")
/// settings.steps = 50_000
/// let policy = try GymTraining.train(env: "envs/pendulum.lua", settings: settings)
/// ```
///
/// The same script, settings and seed give the same policy, bit for bit, whatever
/// `settings.threads` is.
public enum GymTraining {
    /// gym's defaults with the env's `train` table on top: the settings `gym train` uses when no
    /// flags are given. Unknown keys and out-of-range values are errors that name the file.
    public static func recommendedSettings(for script: String, algorithm: TrainingSettings.Algorithm = .ppo,
                                           limits: ScriptLimits = ScriptLimits()) throws -> TrainingSettings {
        let env = try LuaEnvironment(path: script, limits: limits)
        return try TrainingSettings.recommended(for: algorithm, trainTable: env.spec.train, source: script)
    }

    /// Trains a policy on `script`. `progress` is called after every update; returning false
    /// stops training there, with the policy as it is.
    public static func train(env script: String, settings: TrainingSettings, limits: ScriptLimits = ScriptLimits(),
                             progress: (TrainingProgress) throws -> Bool = { _ in true }) throws -> GymPolicy {
        let trainer = try makeTrainer(settings: settings) { _ in try LuaEnvironment(path: script, limits: limits) }
        var policy = try trainer.train(progress: progress)
        policy.envScript = script
        policy.sourceHash = SourceHash.of(try BoundedFile.read(script, limit: LuaState.maximumScriptSize, what: "script"))
        return GymPolicy(policy, name: "trained on \(script)")
    }
}
