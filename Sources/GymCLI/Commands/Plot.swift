import ArgumentParser
import Foundation
import PolicyFile
import RunLogs

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw learning curves of training runs as an SVG.",
        usage: "gym plot <run-folders> ... [--out <out>] [--title <title>]",
        discussion: """
        Reads each run folder's progress log and draws the return (training, and the \
        deterministic evaluation) against steps, and the update's diagnostics: policy and value \
        loss, entropy, approx KL, clip fraction, explained variance. Several runs overlay with a \
        legend; runs of the same env and settings that differ only by seed are drawn as their \
        mean with a band of one standard error. A folder that holds run folders (runs/) stands \
        for all of them. Open the SVG in any browser; every run also has its own curves.svg.

          gym plot runs/pendulum-20261125-101500
          gym plot runs/pendulum-* --out pendulum.svg
          gym plot runs/ --out all.svg
        """
    )

    @Argument(help: "Run folders (or folders of run folders).")
    var folders: [String]

    @Option(help: "Where to write the SVG.")
    var out: String = "curves.svg"

    @Option(help: "The plot's title.")
    var title: String = "Training curves"

    func validate() throws {
        guard !folders.isEmpty else { throw ValidationError("give at least one run folder") }
    }

    func run() throws {
        var runs: [RunFolder] = []
        for folder in folders {
            for run in try Self.runs(in: folder) {
                for warning in run.log.warnings { Console.errorLine("warning: \(warning)") }
                runs.append(run)
            }
        }
        let groups = CurveGroup.grouping(runs)
        try AtomicFile.write(Array(CurvePlot.svg(groups: groups, title: title).utf8), to: out)
        let seeds = groups.filter { $0.runs.count > 1 }.count
        Console.line("Wrote \(out): \(runs.count) run\(runs.count == 1 ? "" : "s") in \(groups.count) curve\(groups.count == 1 ? "" : "s")"
                     + (seeds > 0 ? " (\(seeds) averaged over seeds)" : "") + ".")
    }

    /// The folder as a run, or the runs directly inside it.
    static func runs(in folder: String) throws -> [RunFolder] {
        do {
            return [try RunFolder(path: folder)]
        } catch let error as RunLogError {
            let children = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
            let inside = children.compactMap { try? RunFolder(path: folder + "/" + $0) }
            guard !inside.isEmpty else { throw CLIError("\(error)") }
            return inside
        }
    }
}
