import Foundation
import LuaBridge
import PPO
import RunLogs

/// The per-update log file of a run: JSON lines (default) or CSV, one record per update.
final class TrainingLog {
    enum Format: String, CaseIterable { case jsonl, csv }

    static let columns = [
        "update", "timesteps", "wall_time", "steps_per_second",
        "episode_return_mean", "episode_return_min", "episode_return_max",
        "episode_length_mean", "episode_length_min", "episode_length_max", "episodes",
        "policy_loss", "value_loss", "entropy", "approx_kl", "clip_fraction", "explained_variance",
        "kl", "kl_coef", "learning_rate", "clip_range", "grad_norm", "stopped_early",
        "loss", "action_std", "eval_return_mean", "eval_length_mean", "ent_coef",
    ]

    let path: String
    let format: Format
    private let buffer: AppendBuffer

    /// A new log, or with `resumingAfter` the existing one continued: its records up to that
    /// update are kept (later ones belonged to the interrupted run past its checkpoint), so one
    /// training stays one log across any number of resumes.
    init(path: String, format: Format, resumingAfter update: Int? = nil) throws {
        self.path = path
        self.format = format
        var kept: [Substring] = []
        if let update, let existing = try? String(contentsOfFile: path, encoding: .utf8) {
            kept = existing.split(separator: "\n").filter { Self.update(ofRecord: $0, format: format).map { $0 <= update } ?? false }
        }
        buffer = try AppendBuffer(path: path, role: "training log")
        if format == .csv { try write(Self.columns.joined(separator: ",")) }
        for record in kept { try write(String(record)) }
        try flush()
    }

    /// Writes the lines waiting (appended lines reach the file here, or within a second).
    func flush() throws { try buffer.flush() }

    /// The update number a log line records (nil for the CSV header or a broken line).
    static func update(ofRecord line: Substring, format: Format) -> Int? {
        switch format {
        case .csv: return Int(line.prefix { $0 != "," })
        case .jsonl:
            guard line.hasPrefix("{\"update\":") else { return nil }
            return Int(line.dropFirst(10).prefix { $0.isNumber })
        }
    }

    /// One update's line, from its `values` (in `columns` order).
    func append(_ values: [Value]) throws {
        // One string grown in place, keys from a table, numbers written into it: a String per
        // piece, joined, cost 15 us a line, a few milliseconds of a CartPole run.
        var line = format == .jsonl ? "{" : ""
        line.reserveCapacity(40 * values.count)
        for (index, value) in values.enumerated() {
            if index > 0 { line += "," }
            switch format {
            case .csv: value.writeCSV(to: &line)
            case .jsonl:
                line += Self.keys[index]
                value.writeJSON(to: &line)
            }
        }
        line += format == .jsonl ? "}\n" : "\n"
        try buffer.append(line)
    }

    /// `"column":` for each column, made once.
    private static let keys = columns.map { "\"\($0)\":" }

    private func write(_ line: String) throws {
        try buffer.append(line + "\n")
    }

    enum Value {
        case int(Int), double(Double), bool(Bool), missing

        /// The value as JSON (null for a missing or non-finite number), appended in place.
        func writeJSON(to line: inout String) {
            switch self {
            case .int(let i): line += i.description
            case .double(let d) where d.isFinite: d.write(to: &line)
            case .double, .missing: line += "null"
            case .bool(let b): line += b ? "true" : "false"
            }
        }

        /// The value as a CSV field (empty for a missing or non-finite number), appended in place.
        func writeCSV(to line: inout String) {
            switch self {
            case .missing: break
            case .double(let d) where !d.isFinite: break
            default: writeJSON(to: &line)
            }
        }

        var number: Double? {
            switch self {
            case .int(let i): Double(i)
            case .double(let d): d.isFinite ? d : nil
            case .bool(let b): b ? 1 : 0
            case .missing: nil
            }
        }
    }

    static func values(_ r: UpdateReport, evaluation: TrainingEvaluation?) -> [Value] {
        let s = r.statistics
        let ret = r.episodeReturn, len = r.episodeLength
        return [
            .int(r.update), .int(r.timesteps), .double(r.wallSeconds), .double(r.stepsPerSecond),
            ret.map { .double($0.mean) } ?? .missing, ret.map { .double($0.min) } ?? .missing,
            ret.map { .double($0.max) } ?? .missing,
            len.map { .double($0.mean) } ?? .missing, len.map { .int($0.min) } ?? .missing,
            len.map { .int($0.max) } ?? .missing, .int(r.episodesCompleted),
            .double(s.policyLoss), .double(s.valueLoss), .double(s.entropy), .double(s.approxKL),
            .double(s.clipFraction), .double(r.explainedVariance), .double(s.kl), .double(r.klCoef),
            .double(r.learningRate), .double(r.clipRange), .double(s.gradientNorm), .bool(s.stoppedEarly),
            .double(r.loss), r.actionStandardDeviation.map { .double($0) } ?? .missing,
            evaluation.map { .double($0.meanReturn) } ?? .missing, evaluation.map { .double($0.meanLength) } ?? .missing,
            r.entCoef.map { .double($0) } ?? .missing,
        ]
    }
}
