import Foundation
import LuaBridge
import PolicyFile
import PPO
import RunLogs

/// Everything a training writes into its run folder besides policies: `settings.json`,
/// `run.json` (which env, which command), the per-update log, `monitor.csv`, the TensorBoard
/// event file and `curves.svg`. A resumed run continues each file where its checkpoint stopped.
final class RunRecorder {
    /// Where an interrupted run's files are cut back to: its checkpoint's update, step and
    /// episode count.
    struct ResumePoint {
        var update: Int
        var timesteps: Int
        var episodes: Int
    }

    let folder: String
    let log: TrainingLog
    /// Writes the whole files (settings, run description, curves) off the caller's thread.
    private let writer: BackgroundFileWriter
    private let monitor: MonitorFile
    private let events: EventFile?
    /// The log as records, kept in memory for `curves.svg` (the file is never read back).
    private var curves: RunFolder
    /// The best deterministic evaluation so far, including the part of the run before a resume.
    private(set) var bestEvaluation: (meanReturn: Double, update: Int)?

    /// `settings.json`, `run.json` and `curves.svg` go through `writer` (their syncs overlap
    /// the set-up and training).
    init(folder: String, script: String, envName: String, sourceHash: String, settings: PPOSettings,
         logFormat: TrainingLog.Format, tensorboard: Bool, resuming: ResumePoint?, writer: BackgroundFileWriter) throws {
        self.folder = folder
        self.writer = writer
        let now = Date()
        try writer.write(Self.json(settings), to: folder + "/settings.json")
        if resuming == nil || !FileManager.default.fileExists(atPath: folder + "/run.json") {
            try writer.write(Self.json(RunDescription(envScript: script, envName: envName, sourceHash: sourceHash,
                                                      started: Timestamps.iso8601UTC(now),
                                                      command: CommandLine.arguments.dropFirst().joined(separator: " "))),
                             to: folder + "/run.json")
        }
        log = try TrainingLog(path: folder + "/progress." + logFormat.rawValue, format: logFormat, resumingAfter: resuming?.update)
        // A new log is never read back (it may be a device); a resumed one holds the records
        // it kept from before the checkpoint, and with them the best evaluation so far.
        var kept = ProgressRecords(path: log.path, records: [], warnings: [])
        if resuming != nil, let read = try? ProgressRecords.read(path: log.path) {
            kept = read
            bestEvaluation = kept.records.compactMap { record in
                record["eval_return_mean"].flatMap { value in record["update"].map { (value, Int($0)) } }
            }.max { $0.0 < $1.0 }
        }
        curves = RunFolder(path: folder, log: kept)
        monitor = try MonitorFile(path: folder + "/monitor.csv", envID: envName, keepingEpisodes: resuming?.episodes,
                                  now: now.timeIntervalSince1970)
        if tensorboard {
            let file = try EventFile(folder: folder, opening: resuming.map { .resuming(afterStep: $0.timesteps) } ?? .fresh, now: now)
            try file.appendText(Self.settingsTable(settings), tag: "settings", step: resuming?.timesteps ?? 0,
                                wallTime: now.timeIntervalSince1970)
            try file.flush()
            events = file
        } else {
            events = nil
            for name in EventFile.eventFiles(in: folder) where resuming == nil { unlink(folder + "/" + name) }
        }
    }

    /// Records an update (and its evaluation, when one was made); true when that evaluation is
    /// the best so far.
    @discardableResult
    func record(_ report: UpdateReport, evaluation: TrainingEvaluation?) throws -> Bool {
        let values = TrainingLog.values(report, evaluation: evaluation)
        try log.append(values)
        var record: [String: Double] = [:]
        for (column, value) in zip(TrainingLog.columns, values) {
            if let number = value.number { record[column] = number }
        }
        curves.log.records.append(record)
        try monitor.append(report.newEpisodes)
        try events?.appendScalars(Self.scalars(report, evaluation: evaluation), step: report.timesteps,
                                  wallTime: Date().timeIntervalSince1970)
        guard let evaluation, evaluation.meanReturn > (bestEvaluation?.meanReturn ?? -.infinity) else { return false }
        bestEvaluation = (evaluation.meanReturn, report.update)
        return true
    }

    /// Writes what the logs hold back (each writes at least once a second by itself): before
    /// every checkpoint, so that the files on disk reach the update a resume starts from, and
    /// at the end.
    func flush() throws {
        try log.flush()
        try monitor.flush()
        try events?.flush()
    }

    /// `curves.svg`: this run's learning curves, drawn from its log.
    func writeCurves() throws {
        let svg = CurvePlot.svg(groups: CurveGroup.grouping([curves]), title: "Training curves: \(curves.name)")
        try writer.write(Array(svg.utf8), to: folder + "/curves.svg")
    }

    var eventFilePath: String? { events?.path }

    /// Stable-Baselines3's tag names where SB3 has the quantity, so its dashboards read gym runs
    /// unchanged; gym's own quantities under the same prefixes.
    static func scalars(_ r: UpdateReport, evaluation: TrainingEvaluation?) -> [(tag: String, value: Double)] {
        let s = r.statistics
        var scalars: [(String, Double)] = []
        if let ret = r.episodeReturn { scalars.append(("rollout/ep_rew_mean", ret.mean)) }
        if let len = r.episodeLength { scalars.append(("rollout/ep_len_mean", len.mean)) }
        if r.algorithm.isOffPolicy {
            // SB3's off-policy names.
            scalars += [
                ("train/actor_loss", s.policyLoss), ("train/critic_loss", s.valueLoss), ("train/learning_rate", r.learningRate),
                ("time/fps", r.stepsPerSecond), ("time/iterations", Double(r.update)), ("time/time_elapsed", r.wallSeconds),
            ]
            if let alpha = r.entCoef { scalars += [("train/ent_coef", alpha), ("train/entropy", s.entropy)] }
            if let evaluation {
                scalars += [("eval/mean_reward", evaluation.meanReturn), ("eval/mean_ep_length", evaluation.meanLength)]
            }
            return scalars
        }
        scalars += [
            ("train/approx_kl", s.approxKL), ("train/clip_fraction", s.clipFraction), ("train/entropy_loss", -s.entropy),
            ("train/explained_variance", r.explainedVariance), ("train/learning_rate", r.learningRate),
            ("train/loss", r.loss), ("train/policy_gradient_loss", s.policyLoss), ("train/value_loss", s.valueLoss),
            ("train/clip_range", r.clipRange), ("train/kl_coef", r.klCoef), ("train/grad_norm", s.gradientNorm),
            ("time/fps", r.stepsPerSecond), ("time/iterations", Double(r.update)), ("time/time_elapsed", r.wallSeconds),
        ]
        if let std = r.actionStandardDeviation { scalars.append(("train/std", std)) }
        if r.statistics.kl != 0 { scalars.append(("train/kl", s.kl)) }
        if let evaluation {
            scalars += [("eval/mean_reward", evaluation.meanReturn), ("eval/mean_ep_length", evaluation.meanLength)]
        }
        return scalars
    }

    /// The resolved settings as a Markdown table, for TensorBoard's Text tab.
    static func settingsTable(_ settings: PPOSettings) -> String {
        "| setting | value |\n|---|---|\n" + PPOSettings.declarations.map { "| \($0.key) | \($0.value(in: settings)) |" }.joined(separator: "\n")
    }

    /// A new run folder under `runs/`, named after the env and the time; `-2`, `-3`, ... when
    /// another run (even one started in the same second) has the name. Creating the folder
    /// is what claims it, so two runs can never share one.
    static func makeUniqueFolder(in parent: String = "runs", stem: String, now: Date = Date()) throws -> String {
        let base = "\(parent)/\(stem)-\(Timestamps.compactLocal(now))"
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw CLIError("\(parent): cannot create the folder for runs (\(error.localizedDescription))")
        }
        for n in 1...10_000 {
            let path = n == 1 ? base : "\(base)-\(n)"
            if mkdir(path, 0o755) == 0 { return path }
            guard errno == EEXIST else { throw CLIError("\(path): cannot create the run folder: \(BoundedFile.reason(errno))") }
        }
        throw CLIError("\(base): cannot find a free run folder name")
    }

    private static func json<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try encoder.encode(value)) + [10]
    }
}

/// `run.json`: which env a run trained and how it was started, for `gym plot` and people.
struct RunDescription: Codable {
    var envScript: String
    var envName: String
    var sourceHash: String
    var started: String
    var command: String

    enum CodingKeys: String, CodingKey {
        case envScript = "env_script", envName = "env_name", sourceHash = "source_hash", started, command
    }
}
