import Foundation

/// The per-update log of a run (`progress.jsonl` or `progress.csv`) read back: one record per
/// update, metric name to value (missing and null values are absent). A line that cannot be read,
/// typically the last one cut short by a kill, is skipped with a warning.
public struct ProgressRecords {
    public var path: String
    public var records: [[String: Double]]
    public var warnings: [String]

    public init(path: String, records: [[String: Double]], warnings: [String]) {
        self.path = path
        self.records = records
        self.warnings = warnings
    }

    public static func read(path: String) throws -> ProgressRecords {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RunLogError(path: path, FileManager.default.fileExists(atPath: path) ? "cannot read the training log" : "no such file")
        }
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0 }
        if lines.last == "" { lines.removeLast() }
        var result = ProgressRecords(path: path, records: [], warnings: [])
        if path.hasSuffix(".csv") {
            guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init) else { return result }
            for (index, line) in lines.enumerated().dropFirst() {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                guard fields.count == header.count else { result.skip(line: index + 1, of: lines.count); continue }
                var record: [String: Double] = [:]
                for (name, field) in zip(header, fields) {
                    if let value = Double(field) { record[name] = value } else if field == "true" { record[name] = 1 } else if field == "false" { record[name] = 0 }
                }
                result.records.append(record)
            }
        } else {
            for (index, line) in lines.enumerated() {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    result.skip(line: index + 1, of: lines.count); continue
                }
                var record: [String: Double] = [:]
                for (name, value) in object {
                    if let number = value as? NSNumber { record[name] = number.doubleValue }
                }
                result.records.append(record)
            }
        }
        return result
    }

    private mutating func skip(line: Int, of count: Int) {
        warnings.append(line == count
            ? "\(path): line \(line) is cut short (the run was killed while writing it?); skipped"
            : "\(path): line \(line) is not a log record; skipped")
    }

    /// The run's log in `folder`: progress.jsonl, else progress.csv.
    public static func path(inRunFolder folder: String) -> String? {
        ["progress.jsonl", "progress.csv"].map { folder + "/" + $0 }.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// The highest value of `column` in the log.
    public func best(_ column: String) -> Double? { records.compactMap { $0[column] }.max() }
}
