import Foundation
import Testing
@testable import RunLogs
import Markup
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A run folder with a log whose return is `offset + step / 100`.
func makeRun(in parent: String, name: String, seed: Int, learningRate: Double = 0.001, offset: Double, updates: Int = 5) throws -> String {
    let folder = parent + "/" + name
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var lines: [String] = []
    for update in 1...updates {
        let step = update * 1000
        let eval = update % 2 == 0 ? "\(offset + Double(step) / 50)" : "null"
        lines.append(#"{"update":\#(update),"timesteps":\#(step),"episode_return_mean":\#(offset + Double(step) / 100),"eval_return_mean":\#(eval),"policy_loss":-0.01,"value_loss":\#(10.0 / Double(update)),"entropy":1.2,"approx_kl":0.01,"clip_fraction":0.1,"explained_variance":0.5}"#)
    }
    try (lines.joined(separator: "\n") + "\n").write(toFile: folder + "/progress.jsonl", atomically: false, encoding: .utf8)
    try #"{"seed": \#(seed), "threads": 2, "learning_rate": \#(learningRate), "hidden": [64, 64]}"#
        .write(toFile: folder + "/settings.json", atomically: false, encoding: .utf8)
    try #"{"env_script": "envs/pendulum.lua", "source_hash": "fnv1a64:00"}"#.write(toFile: folder + "/run.json", atomically: false, encoding: .utf8)
    return folder
}

@Suite struct CurvePlotTests {
    @Test func runsThatDifferOnlyBySeedAggregateIntoAMeanWithAStandardErrorBand() throws {
        let parent = try temporaryFolder()
        let runs = try [
            makeRun(in: parent, name: "a", seed: 0, offset: 0),
            makeRun(in: parent, name: "b", seed: 1, offset: 10),
            makeRun(in: parent, name: "c", seed: 0, learningRate: 0.01, offset: 0),
        ].map { try RunFolder(path: $0) }
        let groups = CurveGroup.grouping(runs)
        #expect(groups.count == 2)
        #expect(groups[0].runs.map(\.name) == ["a", "b"])
        #expect(groups[0].label == "pendulum learning_rate 0.001 (mean of 2 seeds)")
        #expect(groups[1].label == "c learning_rate 0.01")
        let curve = groups[0].curve("episode_return_mean")
        #expect(curve.count == 5)
        // Values 10 and 20 at step 1000: mean 15, standard error sqrt(50 / 2) = 5.
        #expect(curve[0] == CurveGroup.Point(step: 1000, mean: 15, low: 10, high: 20))
        #expect(groups[0].curve("eval_return_mean").map(\.step) == [2000, 4000])
        #expect(groups[1].curve("episode_return_mean")[0] == CurveGroup.Point(step: 1000, mean: 10, low: 10, high: 10))
    }

    @Test func theSVGIsWellFormedXMLWithEveryPanelAndALegend() throws {
        let parent = try temporaryFolder()
        let runs = try [makeRun(in: parent, name: "a", seed: 0, offset: 0), makeRun(in: parent, name: "b", seed: 1, offset: 5)]
            .map { try RunFolder(path: $0) }
        let svg = CurvePlot.svg(groups: CurveGroup.grouping(runs))
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        for title in ["Episode return", "Policy loss", "Value loss", "Entropy", "Approx KL", "Clip fraction", "Explained variance"] {
            #expect(svg.contains(">\(title)</text>"))
        }
        #expect(svg.contains("(mean of 2 seeds)"))
        #expect(svg.contains("<polygon"))          // the band
        #expect(svg.contains("stroke-dasharray"))  // the evaluation curve
        #expect(!svg.contains("http://") || svg.components(separatedBy: "http://").count == 2)  // only the namespace
    }

    @Test func longCurvesAreThinnedByAveragingNeighbours() {
        let points = (0..<2500).map { CurveGroup.Point(step: Double($0), mean: Double($0 % 2), low: 0, high: 1) }
        let thinned = CurveGroup.thinned(points, to: 1000)
        #expect(thinned.count == 834)  // buckets of 3
        #expect(thinned[0] == CurveGroup.Point(step: 1, mean: 1.0 / 3, low: 0, high: 1))
        #expect(CurveGroup.thinned(Array(points.prefix(10)), to: 1000).count == 10)
    }

    @Test func labelsAreEscaped() {
        #expect(Markup.escape("a<b & \"c\"\u{1}") == "a&lt;b &amp; &quot;c&quot; ")
        #expect(Markup.escape("plain 12.5,30 é") == "plain 12.5,30 é")
        #expect(Markup.escape("tab\tline\ncr\r\nend") == "tab\tline\ncr \nend")
    }

    /// A quote, `<` or `&` followed by a combining mark is one Character: each is still escaped,
    /// or a script's name could end an attribute early.
    @Test func markupFollowedByACombiningMarkIsEscaped() {
        #expect(Markup.escape("x\"\u{301} onload=\"y") == "x&quot;\u{301} onload=&quot;y")
        #expect(Markup.escape("<\u{301}script>") == "&lt;\u{301}script&gt;")
        #expect(Markup.escape("&\u{20DD}") == "&amp;\u{20DD}")
    }

    @Test func ticksAreNiceNumbersCoveringTheData() {
        let scale = PlotScale(covering: [0, 97_000])
        #expect(scale.ticks == [0, 20_000, 40_000, 60_000, 80_000, 100_000])
        #expect(PlotScale.label(20_000) == "20k")
        #expect(PlotScale.label(1_500_000) == "1.5M")
        #expect(PlotScale.label(0.25) == "0.25")
        let steps = PlotScale(covering: [0, 102_400], tight: true)
        #expect(steps.ticks == [0, 25_000, 50_000, 75_000, 100_000])
        #expect(steps.high == 102_400)
        let flat = PlotScale(covering: [3, 3])
        #expect(flat.low < 3 && flat.high > 3)
    }

    @Test func aFolderWithoutALogIsNotARun() throws {
        let folder = try temporaryFolder()
        #expect(throws: RunLogError.self) { try RunFolder(path: folder) }
        #expect(throws: RunLogError.self) { try RunFolder(path: folder + "/missing") }
    }
}
