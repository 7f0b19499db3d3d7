import Environments
import Foundation
import LuaBridge
import PPO

// Scenarios, in two modules. In Environments, the side that runs with the env, inside its Lua
// state and on its step path: ScenarioDefinition, ScenarioRuntime and ScenarioPrelude. Here in
// Scenarios, the side that judges policies: ScenarioEvaluation (episodes and verdicts),
// EvaluationReport (table, JSON, JUnit) and ScenarioTarget (which env a scenario names).

/// One evaluated episode.
public struct EpisodeResult: Sendable {
    public var totalReward: Double
    public var length: Int
    public var terminated: Bool
    public var truncated: Bool
    public var failure: String?
    public var passed: Bool
}

/// A policy against one scenario (or plain evaluation on its env): the episodes and the verdict.
public struct ScenarioResult: Sendable {
    public var policyPath: String
    public var envName: String
    /// "plain" for an evaluation without a scenario.
    public var scenarioName: String
    public var scenarioPath: String?
    public var description: String
    public var episodes: [EpisodeResult]
    /// Scenarios: the required fraction of passing episodes. Plain evaluations: nil.
    public var requiredPassRate: Double?
    /// Plain evaluations: the env's reward threshold, which the mean return must reach.
    public var rewardThreshold: Double?
    public var seconds: Double
    /// Set when episodes were cut at `Options.maxEpisodeSteps`, below the env's own limit.
    public var stepCap: Int? = nil

    public var passRate: Double { Double(episodes.filter(\.passed).count) / Double(max(episodes.count, 1)) }
    public var meanReturn: Double { episodes.map(\.totalReward).reduce(0, +) / Double(max(episodes.count, 1)) }
    public var returnStandardDeviation: Double {
        let mean = meanReturn
        let variance = episodes.map { ($0.totalReward - mean) * ($0.totalReward - mean) }.reduce(0, +) / Double(max(episodes.count, 1))
        return variance.squareRoot()
    }
    public var worstReturn: Double { episodes.map(\.totalReward).min() ?? 0 }
    public var meanLength: Double { Double(episodes.map(\.length).reduce(0, +)) / Double(max(episodes.count, 1)) }
    public var passed: Bool {
        if let requiredPassRate { return passRate >= requiredPassRate - 1e-12 }
        if let rewardThreshold { return meanReturn >= rewardThreshold }
        return true
    }
    /// The first few `ctx:fail` messages, for the report.
    public var failureMessages: [String] { Array(episodes.compactMap(\.failure).prefix(3)) }
}

/// A failure of the input, not of the policy: exit code 2.
public struct EvaluationInputError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public enum ScenarioEvaluation {
    public struct Options: Sendable {
        public var episodes: Int?
        public var seed: UInt64?
        public var deterministic = true
        public var limits = LuaLimits()
        /// Episodes stop here even if the env's `max_steps` is larger (`TimeLimit.hostCap`).
        public var maxEpisodeSteps = TimeLimit.hostCap
        public init(episodes: Int? = nil, seed: UInt64? = nil, limits: LuaLimits = LuaLimits()) {
            self.episodes = episodes
            self.seed = seed
            self.limits = limits
        }
    }

    /// Runs `policy` on `envScript`, under `scenarioPath` if given. Same inputs, same result,
    /// bit for bit: the first reset is seeded, later ones continue the env's stream, and
    /// sampled actions come from their own seeded stream.
    /// `watch` may return an observer for an episode (by index from 0), to record it; with
    /// `stopAfter`, episodes after that index are not run (a replay of earlier episodes).
    public static func run(policy: TrainedPolicy, policyPath: String, envScript: String, scenarioPath: String?,
                           options: Options, stopAfter: Int? = nil,
                           watch: ((LuaEnvironment, Int) -> ((EpisodeEvent) throws -> Void)?)? = nil) throws -> ScenarioResult {
        let started = Date()
        let env = try LuaEnvironment(path: envScript, limits: options.limits)
        if let problem = policy.problem(with: env.spec) {
            throw EvaluationInputError("\(policyPath): \(problem)")
        }
        let definition = try scenarioPath.map { try env.attachScenario(path: $0) }
        let spec = env.spec
        let episodes = options.episodes ?? definition?.episodes ?? 10
        let seed = options.seed ?? definition?.seed ?? 0
        let timeLimit = TimeLimit(declared: definition?.maxSteps ?? spec.maxSteps, cap: options.maxEpisodeSteps)
        let policyRunner = PolicyRunner(policy: policy)
        let episodeRunner = EpisodeRunner(env: env, timeLimit: timeLimit)
        var rng = SeededGenerator(seed: SeededGenerator.derive(seed, stream: 2))
        var results: [EpisodeResult] = []
        for episode in 0..<min(episodes, (stopAfter ?? .max - 1) + 1) {
            let ran = try episodeRunner.run(seed: episode == 0 ? seed : nil, act: { observation, action, _ in
                policyRunner.act(observation, into: action, deterministic: options.deterministic, rng: &rng)
                return true
            }, observe: watch?(env, episode))
            let passed: Bool
            if definition != nil {
                passed = try env.scenarioVerdict(totalReward: ran.totalReward, length: ran.length,
                                                 terminated: ran.terminated, truncated: ran.truncated)
            } else {
                passed = spec.rewardThreshold.map { ran.totalReward >= $0 } ?? true
            }
            results.append(EpisodeResult(totalReward: ran.totalReward, length: ran.length, terminated: ran.terminated,
                                         truncated: ran.truncated, failure: ran.failure, passed: passed))
        }
        return ScenarioResult(policyPath: policyPath, envName: spec.name, scenarioName: definition?.name ?? "plain",
                              scenarioPath: scenarioPath, description: definition?.description ?? "plain evaluation",
                              episodes: results, requiredPassRate: definition?.passRate,
                              rewardThreshold: definition == nil ? spec.rewardThreshold : nil,
                              seconds: Date().timeIntervalSince(started),
                              stepCap: timeLimit.isCapped ? timeLimit.steps : nil)
    }
}
