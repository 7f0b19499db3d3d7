import Foundation

/// A finished or running training's folder read back for plotting: its log, its settings, and
/// which env it trained (from `run.json`, written when the run starts).
public struct RunFolder {
    public var path: String
    public var name: String { URL(fileURLWithPath: path).lastPathComponent }
    /// The env script and its source hash; nil for folders made before run.json existed.
    public var environment: String?
    /// Every setting as text, for grouping runs that differ only by seed.
    public var settings: [String: String]
    public var log: ProgressRecords

    /// Settings that do not change what a run learns (`threads`) or that define a repetition
    /// of the same experiment (`seed`).
    public static let repetitionKeys: Set<String> = ["seed", "threads"]

    public init(path: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw RunLogError(path: path, "no such folder")
        }
        guard isFolder.boolValue else { throw RunLogError(path: path, "not a run folder (give the folder, not a file in it)") }
        guard let logPath = ProgressRecords.path(inRunFolder: path) else {
            throw RunLogError(path: path, "not a run folder: it holds no progress.jsonl or progress.csv")
        }
        try self.init(path: path, log: ProgressRecords.read(path: logPath))
    }

    /// A run folder whose log is already at hand (a training in progress keeps its own).
    public init(path: String, log: ProgressRecords) {
        self.path = path
        self.log = log
        settings = Self.flatJSON(at: path + "/settings.json")
        let run = Self.flatJSON(at: path + "/run.json")
        environment = run["env_script"].map { script in run["source_hash"].map { "\(script) \($0)" } ?? script }
    }

    /// The settings that tell this run's experiment apart (everything but the repetition keys).
    public var experiment: [String: String] { settings.filter { !Self.repetitionKeys.contains($0.key) } }

    /// The env's short name for labels: the script's file name without `.lua`.
    public var environmentName: String? {
        environment.map { URL(fileURLWithPath: String($0.split(separator: " ")[0])).deletingPathExtension().lastPathComponent }
    }

    private static func flatJSON(at path: String) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object.mapValues { value in
            if let array = value as? [Any] { return array.map { "\($0)" }.joined(separator: ",") }
            return "\(value)"
        }
    }
}
