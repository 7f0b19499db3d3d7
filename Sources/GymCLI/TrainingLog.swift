import Foundation
import PPO

/// The per-update log file of a run: JSON lines (default) or CSV, one record per update.
final class TrainingLog {
    enum Format: String, CaseIterable { case jsonl, csv }

    static let columns = [
        "update", "timesteps", "wall_time", "steps_per_second",
        "episode_return_mean", "episode_return_min", "episode_return_max",
        "episode_length_mean", "episode_length_min", "episode_length_max", "episodes",
        "policy_loss", "value_loss", "entropy", "approx_kl", "clip_fraction", "explained_variance",
        "kl", "kl_coef", "learning_rate", "clip_range", "grad_norm", "stopped_early",
    ]

    let path: String
    let format: Format
    private let handle: FileHandle

    init(path: String, format: Format) throws {
        self.path = path
        self.format = format
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw CLIError("cannot write the training log \(path)")
        }
        self.handle = handle
        if format == .csv { write(Self.columns.joined(separator: ",")) }
    }

    deinit { try? handle.close() }

    func append(_ report: UpdateReport) {
        let values = Self.values(report)
        switch format {
        case .csv:
            write(values.map { $0.csv }.joined(separator: ","))
        case .jsonl:
            write("{" + zip(Self.columns, values).map { "\"\($0)\":\($1.json)" }.joined(separator: ",") + "}")
        }
    }

    private func write(_ line: String) {
        handle.write(Data((line + "\n").utf8))
    }

    enum Value {
        case int(Int), double(Double), bool(Bool), missing
        var json: String {
            switch self {
            case .int(let i): "\(i)"
            case .double(let d): d.isFinite ? "\(d)" : "null"
            case .bool(let b): "\(b)"
            case .missing: "null"
            }
        }
        var csv: String {
            switch self {
            case .missing: ""
            case .double(let d) where !d.isFinite: ""
            default: json
            }
        }
    }

    static func values(_ r: UpdateReport) -> [Value] {
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
        ]
    }
}
