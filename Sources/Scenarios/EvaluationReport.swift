import Foundation
import LuaBridge
import Markup

// Scenarios' judging half: evaluation and reports (the runtime half, which runs inside the
// env's Lua state, is Sources/Environments/Scenario*.swift; Package.swift maps both).

/// The results of `gym eval` as a table, JSON and JUnit XML.
public struct EvaluationReport: Sendable {
    public var results: [ScenarioResult]
    public init(results: [ScenarioResult]) { self.results = results }

    public var allPassed: Bool { results.allSatisfy(\.passed) }

    // MARK: Table

    public func table() -> String {
        let header = ["policy", "scenario", "episodes", "pass rate", "required", "return mean ± std", "worst", "length", "verdict"]
        var rows: [[String]] = [header]
        for r in results {
            let required = r.requiredPassRate.map { percent($0) } ?? r.rewardThreshold.map { String(format: "mean ≥ %g", $0) } ?? "-"
            rows.append([
                URL(fileURLWithPath: r.policyPath).lastPathComponent, r.scenarioName, "\(r.episodes.count)",
                percent(r.passRate), required,
                String(format: "%.1f ± %.1f", r.meanReturn, r.returnStandardDeviation),
                String(format: "%.1f", r.worstReturn), String(format: "%.0f", r.meanLength),
                r.passed ? "PASS" : "FAIL",
            ])
        }
        let widths = (0..<header.count).map { c in rows.map { $0[c].count }.max()! }
        var lines = rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        lines.insert(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "), at: 1)
        for r in results where !r.passed && !r.failureMessages.isEmpty {
            lines.append("  \(r.scenarioName): \(r.failureMessages.joined(separator: "; "))")
        }
        let failed = results.filter { !$0.passed }.count
        lines.append(failed == 0
            ? "\(results.count) of \(results.count) passed"
            : "\(failed) of \(results.count) failed: \(results.filter { !$0.passed }.map(\.scenarioName).joined(separator: ", "))")
        return lines.joined(separator: "\n")
    }

    private func percent(_ x: Double) -> String { String(format: "%.0f%%", x * 100) }

    // MARK: JSON

    public func json() throws -> Data {
        let entries: [[String: Any]] = results.map { r in
            var entry: [String: Any] = [
                "policy": r.policyPath, "env": r.envName, "scenario": r.scenarioName, "description": r.description,
                "episodes": r.episodes.count, "passed_episodes": r.episodes.filter(\.passed).count,
                "pass_rate": r.passRate, "mean_return": r.meanReturn, "std_return": r.returnStandardDeviation,
                "worst_return": r.worstReturn, "mean_length": r.meanLength, "verdict": r.passed ? "pass" : "fail",
                "failures": r.failureMessages, "returns": r.episodes.map(\.totalReward),
            ]
            if let path = r.scenarioPath { entry["scenario_path"] = path }
            if let rate = r.requiredPassRate { entry["required_pass_rate"] = rate }
            if let threshold = r.rewardThreshold { entry["reward_threshold"] = threshold }
            return entry
        }
        let object: [String: Any] = [
            "results": entries,
            "summary": ["total": results.count, "passed": results.filter(\.passed).count,
                        "failed": results.filter { !$0.passed }.count],
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
    }

    // MARK: JUnit XML

    /// One test suite per policy, one test case per scenario; a failing scenario carries a
    /// <failure> with its pass rate and first failure messages.
    public func junit() -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let failures = results.filter { !$0.passed }.count
        xml += "<testsuites name=\"gym eval\" tests=\"\(results.count)\" failures=\"\(failures)\">\n"
        var policies: [String] = []
        for r in results where !policies.contains(r.policyPath) { policies.append(r.policyPath) }
        for policy in policies {
            let cases = results.filter { $0.policyPath == policy }
            let time = cases.map(\.seconds).reduce(0, +)
            xml += "  <testsuite name=\"\(escape(policy))\" tests=\"\(cases.count)\" failures=\"\(cases.filter { !$0.passed }.count)\" errors=\"0\" time=\"\(String(format: "%.3f", time))\">\n"
            for r in cases {
                xml += "    <testcase classname=\"\(escape(r.envName))\" name=\"\(escape(r.scenarioName))\" time=\"\(String(format: "%.3f", r.seconds))\""
                if r.passed {
                    xml += "/>\n"
                } else {
                    var message = String(format: "pass rate %.0f%%", r.passRate * 100)
                    if let required = r.requiredPassRate { message += String(format: ", required %.0f%%", required * 100) }
                    if let threshold = r.rewardThreshold { message += String(format: "; mean return %.1f below %g", r.meanReturn, threshold) }
                    xml += ">\n      <failure message=\"\(escape(message))\">\(escape(r.failureMessages.joined(separator: "\n")))</failure>\n    </testcase>\n"
                }
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    /// XML-escaped (`Markup.escape`), with control characters (which XML 1.0 forbids) shown as
    /// `\u{..}`.
    private func escape(_ text: String) -> String {
        Markup.escape(LuaError.printable(text, limit: 10_000))
    }
}
