import Foundation

/// Which env a scenario file names, resolved the way the contract says: relative to the project
/// root (the working directory) or to the scenario file's folder.
public enum ScenarioTarget {
    /// The resolved env path of a scenario's `env = "..."`, read without running the scenario
    /// in an env, or nil when it names none.
    public static func env(ofScenario path: String) throws -> String? {
        let source: String
        do { source = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw EvaluationInputError("\(path): cannot read the scenario file")
        }
        // The declarative field, as written at the top level of the returned table.
        guard let match = source.range(of: #"(?m)^\s*env\s*=\s*"([^"]+)""#, options: .regularExpression) else { return nil }
        let line = String(source[match])
        guard let open = line.firstIndex(of: "\""), let close = line.lastIndex(of: "\""), open < close else { return nil }
        let named = String(line[line.index(after: open)..<close])
        let beside = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(named).path
        if FileManager.default.fileExists(atPath: named) { return named }
        if FileManager.default.fileExists(atPath: beside) { return beside }
        throw EvaluationInputError("\(path): env \"\(named)\" is neither relative to the project root nor to the scenario")
    }

    public static func same(_ a: String, _ b: String) -> Bool {
        URL(fileURLWithPath: a).standardizedFileURL.resolvingSymlinksInPath().path
            == URL(fileURLWithPath: b).standardizedFileURL.resolvingSymlinksInPath().path
    }
}
