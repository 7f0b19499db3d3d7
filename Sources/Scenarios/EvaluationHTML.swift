import Foundation
import Markup
import Recording

/// The evaluation report as one self-contained HTML page, the page a team attaches to a CI
/// run: the verdict, the summary table, and per scenario the returns of every episode, the
/// failure messages, the `ctx:record` metrics over time and replays of the first failing and
/// one passing episode. No network, no external scripts or fonts.
public enum EvaluationHTML {
    /// `replayBlocks[i]`: `replayBlock(_:number: i + 1)` of the recorded episodes of
    /// `report.results[i]` (labelled "first failing", "passing"). Blocks are made apart from
    /// the page so that they can be made while the evaluation goes on (`gym eval --html` makes
    /// them on the other core).
    public static func page(_ report: EvaluationReport, replayBlocks: [Int: String], generated: Date = Date(),
                            gymVersion: String) -> String {
        let results = report.results
        let failed = results.filter { !$0.passed }.count
        let stamp = generated.formatted(.iso8601)
        var body = """
            <h1>gym evaluation report</h1>
            <p class="meta">\(stamp) · gym \(e(gymVersion)) · \(Set(results.map(\.policyPath)).count) polic\(Set(results.map(\.policyPath)).count == 1 ? "y" : "ies") · \(results.count) evaluation\(results.count == 1 ? "" : "s")</p>
            <p class="verdict \(failed == 0 ? "pass" : "fail")">\(failed == 0 ? "PASS: all \(results.count) passed" : "FAIL: \(failed) of \(results.count) failed")</p>
            <table class="summary"><thead><tr><th>policy</th><th>env</th><th>scenario</th><th>episodes</th><th>pass rate</th><th>required</th><th>return mean ± std</th><th>worst</th><th>length</th><th>verdict</th></tr></thead><tbody>

            """
        for (i, r) in results.enumerated() {
            body += "<tr><td>\(e(URL(fileURLWithPath: r.policyPath).lastPathComponent))</td><td>\(e(r.envName))</td>"
                + "<td><a href=\"#s\(i + 1)\">\(e(r.scenarioName))</a></td><td>\(r.episodes.count)</td><td>\(percent(r.passRate))</td>"
                + "<td>\(e(required(r)))</td><td>\(f(r.meanReturn)) ± \(f(r.returnStandardDeviation))</td><td>\(f(r.worstReturn))</td>"
                + "<td>\(String(format: "%.0f", r.meanLength))</td><td class=\"\(r.passed ? "pass" : "fail")\">\(r.passed ? "PASS" : "FAIL")</td></tr>\n"
        }
        body += "</tbody></table>\n"
        // Failures first and open; passes after, folded.
        let order = results.indices.filter { !results[$0].passed } + results.indices.filter { results[$0].passed }
        for i in order {
            body += section(results[i], number: i + 1, replay: replayBlocks[i])
        }
        return HTMLPlayer.document(title: "gym evaluation report: \(failed == 0 ? "PASS" : "FAIL")", extraStyle: style, body: body,
                                   script: """
            // A link from the summary opens its (folded) section.
            function openLinked() {
              var target = location.hash && document.getElementById(location.hash.slice(1));
              var details = target && target.querySelector("details");
              if (details) details.open = true;
            }
            window.addEventListener("hashchange", openLinked);
            openLinked();
            """)
    }

    static let style = """
        .verdict { display: inline-block; font-weight: bold; padding: 6px 14px; border-radius: 4px; margin: 4px 0 16px; }
        .verdict.pass, td.pass { color: #1e6b2f; } .verdict.fail, td.fail { color: #a4161a; }
        .verdict.pass { background: #e3f4e6; } .verdict.fail { background: #fbe4e4; }
        table.summary { border-collapse: collapse; font-size: 12px; margin-bottom: 24px; }
        table.summary th, table.summary td { padding: 3px 8px; border-bottom: 1px solid #e4e4e4; text-align: left; }
        table.summary th { background: #f4f4f4; } td.pass, td.fail { font-weight: bold; }
        section { border-top: 1px solid #ddd; padding-top: 8px; margin-top: 24px; }
        h2 { font-size: 18px; margin: 8px 0 4px; display: inline; } summary { cursor: pointer; margin-bottom: 6px; }
        table.summary td:nth-child(n+4) { white-space: nowrap; } h3 { font-size: 14px; margin: 14px 0 6px; color: #444; }
        .badge { font-size: 12px; padding: 2px 8px; border-radius: 3px; vertical-align: middle; }
        .badge.pass { background: #e3f4e6; color: #1e6b2f; } .badge.fail { background: #fbe4e4; color: #a4161a; }
        .failures li { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; color: #a4161a; }
        .charts svg { border: 1px solid #e4e4e4; background: #fafafa; margin: 0 8px 8px 0; }
        """

    private static func section(_ r: ScenarioResult, number: Int, replay: String?) -> String {
        var out = "<section id=\"s\(number)\"><details\(r.passed ? "" : " open")>\n<summary><h2>\(e(r.scenarioName)) · \(e(URL(fileURLWithPath: r.policyPath).lastPathComponent))"
            + " <span class=\"badge \(r.passed ? "pass" : "fail")\">\(r.passed ? "PASS" : "FAIL")</span></h2></summary>\n"
        out += "<p class=\"meta\">\(e(r.description))\(r.scenarioPath.map { " · " + e($0) } ?? "") · \(r.episodes.filter(\.passed).count) of \(r.episodes.count) episodes passed, \(e(required(r))) required</p>\n"
        out += "<h3>Returns, one dot per episode</h3>\n<div class=\"charts\">\(returnStrip(r))</div>\n"
        if !r.failureMessages.isEmpty {
            out += "<h3>Failures</h3>\n<ul class=\"failures\">" + r.failureMessages.map { "<li>\(e($0))</li>" }.joined() + "</ul>\n"
        }
        return out + (replay ?? "") + "</details></section>\n"
    }

    /// The metric charts and the player of one result's replays (`number` names the player on
    /// the page: distinct per result).
    public static func replayBlock(_ replay: Recording, number: Int) -> String {
        var out = ""
        let charts = metricCharts(replay)
        if !charts.isEmpty { out += "<h3>Recorded metrics over the replayed episodes</h3>\n<div class=\"charts\">\(charts)</div>\n" }
        let which = replay.episodes.compactMap(\.label).joined(separator: " and ")
        out += "<h3>Replays: \(e(which))</h3>\n"
        return out + HTMLPlayer.embedded(replay, id: "replay-\(number)") + "\n"
    }

    /// Every episode's return as a dot on one axis (green passed, red failed), with the reward
    /// threshold when the evaluation has one.
    private static func returnStrip(_ r: ScenarioResult) -> String {
        let width = 600.0, height = 70.0
        let returns = r.episodes.map(\.totalReward) + (r.rewardThreshold.map { [$0] } ?? [])
        var low = returns.min() ?? 0, high = returns.max() ?? 1
        if !(high > low) { low -= 1; high += 1 }
        let pad = (high - low) * 0.05
        low -= pad; high += pad
        func x(_ v: Double) -> Double { 10 + (v - low) / (high - low) * (width - 20) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-size=\"11\">"
        svg += "<line x1=\"10\" y1=\"45\" x2=\"\(Int(width - 10))\" y2=\"45\" stroke=\"#999\"/>"
        if let threshold = r.rewardThreshold {
            svg += "<line x1=\"\(n(x(threshold)))\" y1=\"8\" x2=\"\(n(x(threshold)))\" y2=\"50\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>"
            svg += "<text x=\"\(n(x(threshold) + 4))\" y=\"16\" fill=\"#555\">threshold \(f(threshold))</text>"
        }
        for (k, episode) in r.episodes.enumerated() {
            let jitter = Double((k * 7919) % 17) - 8
            svg += "<circle cx=\"\(n(x(episode.totalReward)))\" cy=\"\(n(32 + jitter))\" r=\"4\" fill=\"\(episode.passed ? "#2e8540" : "#c62828")\" fill-opacity=\"0.7\"><title>episode \(k + 1): \(f(episode.totalReward))\(episode.passed ? "" : " (failed)")</title></circle>"
        }
        svg += "<text x=\"10\" y=\"62\" fill=\"#666\">\(f(low + pad))</text><text x=\"\(Int(width - 10))\" y=\"62\" fill=\"#666\" text-anchor=\"end\">\(f(high - pad))</text>"
        return svg + "</svg>"
    }

    /// One small chart per `ctx:record` name: its value over each replayed episode.
    private static func metricCharts(_ replay: Recording) -> String {
        let names = Set(replay.episodes.flatMap { $0.steps.flatMap { $0.metrics.keys } }).sorted()
        return names.map { name in
            let width = 290.0, height = 120.0
            let values = replay.episodes.flatMap { $0.steps.compactMap { $0.metrics[name] } }
            var low = values.min() ?? 0, high = values.max() ?? 1
            if !(high > low) { low -= 1; high += 1 }
            let longest = Double(max(replay.episodes.map { $0.steps.count }.max() ?? 1, 2) - 1)
            var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-size=\"11\">"
            svg += "<text x=\"6\" y=\"14\" fill=\"#333\">\(e(name))</text><text x=\"\(Int(width - 6))\" y=\"14\" fill=\"#777\" text-anchor=\"end\">\(f(low)) to \(f(high))</text>"
            for episode in replay.episodes {
                let points = episode.steps.compactMap { step in
                    step.metrics[name].map { "\(n(6 + Double(step.t) / longest * (width - 12))),\(n(height - 8 - ($0 - low) / (high - low) * (height - 30)))" }
                }
                let colour = episode.label?.hasPrefix("first failing") == true ? "#c62828" : "#2e8540"
                if points.count > 1 {
                    svg += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\"/>"
                }
            }
            return svg + "</svg>"
        }.joined()
    }

    private static func required(_ r: ScenarioResult) -> String {
        r.requiredPassRate.map { percent($0) + " of episodes" } ?? r.rewardThreshold.map { "mean ≥ " + f($0) } ?? "-"
    }

    private static func percent(_ x: Double) -> String { String(format: "%.0f%%", x * 100) }
    private static func f(_ x: Double) -> String { String(format: "%.1f", x) }
    private static func n(_ x: Double) -> String { String(format: "%.1f", x) }
    private static func e(_ s: String) -> String { Markup.escape(s) }
}
