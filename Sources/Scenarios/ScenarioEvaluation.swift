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
    /// Where each episode started, when the evaluation was asked to keep them.
    public var episodeStarts: [EpisodeStart?] = []

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
        /// Keep where each episode started (`ScenarioResult.episodeStarts`), so that any one of
        /// them can be replayed alone (for the HTML report).
        public var captureEpisodeStarts = false
        public init(episodes: Int? = nil, seed: UInt64? = nil, limits: LuaLimits = LuaLimits()) {
            self.episodes = episodes
            self.seed = seed
            self.limits = limits
        }
    }

    /// Everything an evaluation sets up before its first episode.
    private struct Setup {
        let env: LuaEnvironment
        let definition: ScenarioDefinition?
        let episodes: Int
        let seed: UInt64
        let timeLimit: TimeLimit
        let policyRunner: PolicyRunner
        let episodeRunner: EpisodeRunner

        init(policy: TrainedPolicy, policyPath: String, envScript: String, scenarioPath: String?, options: Options) throws {
            let env = try LuaEnvironment(path: envScript, limits: options.limits)
            if let problem = policy.problem(with: env.spec) {
                throw EvaluationInputError("\(policyPath): \(problem)")
            }
            let definition = try scenarioPath.map { try env.attachScenario(path: $0) }
            self.env = env
            self.definition = definition
            episodes = options.episodes ?? definition?.episodes ?? 10
            seed = options.seed ?? definition?.seed ?? 0
            timeLimit = TimeLimit(declared: definition?.maxSteps ?? env.spec.maxSteps, cap: options.maxEpisodeSteps)
            policyRunner = PolicyRunner(policy: policy)
            episodeRunner = EpisodeRunner(env: env, timeLimit: timeLimit)
        }

        func runEpisode(_ index: Int, options: Options, rng: inout SeededGenerator,
                        observe: ((EpisodeEvent) throws -> Void)?) throws -> Episode {
            try episodeRunner.run(seed: index == 0 ? seed : nil, act: { observation, action, _ in
                policyRunner.act(observation, into: action, deterministic: options.deterministic, rng: &rng)
                return true
            }, observe: observe)
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
        let setup = try Setup(policy: policy, policyPath: policyPath, envScript: envScript, scenarioPath: scenarioPath, options: options)
        let env = setup.env, definition = setup.definition, spec = env.spec
        var rng = SeededGenerator(seed: SeededGenerator.derive(setup.seed, stream: 2))
        var results: [EpisodeResult] = []
        var starts: [EpisodeStart?] = []
        let count = stopAfter.map { min(setup.episodes, $0 + 1) } ?? setup.episodes
        for episode in 0..<count {
            if options.captureEpisodeStarts {
                starts.append((try? env.captureState()).map { EpisodeStart(env: $0, policyGenerator: rng.words) })
            }
            let ran = try setup.runEpisode(episode, options: options, rng: &rng, observe: watch?(env, episode))
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
        var result = ScenarioResult(policyPath: policyPath, envName: spec.name, scenarioName: definition?.name ?? "plain",
                                    scenarioPath: scenarioPath, description: definition?.description ?? "plain evaluation",
                                    episodes: results, requiredPassRate: definition?.passRate,
                                    rewardThreshold: definition == nil ? spec.rewardThreshold : nil,
                                    seconds: Date().timeIntervalSince(started),
                                    stepCap: setup.timeLimit.isCapped ? setup.timeLimit.steps : nil)
        result.episodeStarts = starts
        return result
    }

    /// Runs episodes of an evaluation again, each alone from where it started (captured with
    /// `Options.captureEpisodeStarts`; the first episode needs no capture, its reset is
    /// seeded), in one env. An entry is nil when there is no start to go from.
    public static func replay(policy: TrainedPolicy, policyPath: String, envScript: String, scenarioPath: String?,
                              options: Options, episodes: [(index: Int, start: EpisodeStart?)],
                              watch: (LuaEnvironment, Int) -> (EpisodeEvent) throws -> Void) throws -> [Episode?] {
        let setup = try Setup(policy: policy, policyPath: policyPath, envScript: envScript, scenarioPath: scenarioPath, options: options)
        return try episodes.map { index, start in
            var rng = SeededGenerator(seed: SeededGenerator.derive(setup.seed, stream: 2))
            if index > 0 {
                guard let start else { return nil }
                let e = start.env
                try setup.env.restoreState(generator: e.generator, state: e.state, episode: e.episode,
                                           stepInEpisode: e.stepInEpisode, scenario: e.scenario)
                rng = SeededGenerator(words: start.policyGenerator)
            }
            return try setup.runEpisode(index, options: options, rng: &rng, observe: watch(setup.env, index))
        }
    }
}

/// Where an episode of an evaluation started: the env's generator, state and counters (with
/// the scenario's), and the policy's sampling generator.
public struct EpisodeStart: Sendable {
    public var env: (generator: [UInt64], state: [Double], episode: Int, stepInEpisode: Int, scenario: ScenarioSnapshot?)
    public var policyGenerator: [UInt64]
}
