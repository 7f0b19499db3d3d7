import Environments
import Foundation
import LuaBridge

// Scenarios' judging half: evaluation and reports (the runtime half, which runs inside the
// env's Lua state, is Sources/Environments/Scenario*.swift; Package.swift maps both).

/// Which env a scenario file names, resolved the way the contract says: relative to the project
/// root (the working directory) or to the scenario file's folder.
public enum ScenarioTarget {
    /// The resolved env path of a scenario's `env = "..."`, read by running the scenario file
    /// in the sandbox (never by matching its text), or nil when it names none.
    public static func env(ofScenario path: String, limits: LuaLimits = LuaLimits()) throws -> String? {
        let declared: String?
        do {
            declared = try ScenarioDefinition.declaredEnv(path: path, limits: limits)
        } catch {
            throw EvaluationInputError("\(error)")
        }
        guard let named = declared else { return nil }
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
