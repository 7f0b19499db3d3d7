import LuaBridge
import Scenarios

/// One policy against one scenario (or plain evaluation): every episode, the pass rate and the
/// verdict (`passed`).
public typealias ScenarioResult = Scenarios.ScenarioResult
/// Results together: `allPassed`, and as `gym eval` prints them (`table()`), JSON (`json()`)
/// or JUnit XML (`junit()`).
public typealias EvaluationReport = Scenarios.EvaluationReport

/// Scenario evaluation: what `gym eval` does.
public enum GymEvaluation {
    /// Runs `policy` on `env` for the scenario's episodes (`scenario` is a `.lua` scenario
    /// file; nil evaluates on the env as it is, against its reward threshold). Deterministic
    /// actions unless `deterministic` is false; the same inputs give the same result, bit for
    /// bit. `episodes` and `seed` override the scenario's.
    public static func evaluate(_ policy: GymPolicy, env script: String, scenario: String? = nil,
                                episodes: Int? = nil, seed: UInt64? = nil, deterministic: Bool = true,
                                limits: ScriptLimits = ScriptLimits()) throws -> ScenarioResult {
        var options = ScenarioEvaluation.Options(episodes: episodes, seed: seed, limits: limits)
        options.deterministic = deterministic
        return try ScenarioEvaluation.run(policy: policy.policy, policyPath: policy.name,
                                          envScript: script, scenarioPath: scenario, options: options)
    }

    /// Results as one report.
    public static func report(_ results: [ScenarioResult]) -> EvaluationReport {
        EvaluationReport(results: results)
    }
}
