import CLua
import LuaBridge

// Scenarios' runtime half: it runs inside the env's Lua state, on its step path (the judging
// half, evaluation and reports, is Sources/Scenarios; Package.swift maps both).

/// A scenario's declarative fields (docs/scenarios.md).
public struct ScenarioDefinition: Sendable {
    public var path: String
    public var name: String
    public var description: String
    /// The env file it applies to, as written (relative to the project root or the scenario).
    public var env: String?
    public var episodes: Int?
    public var seed: UInt64?
    public var maxSteps: Int?
    /// Required fraction of passing episodes.
    public var passRate: Double
}

extension ScenarioDefinition {
    /// The `env` field of the scenario at `path`, read by running the file in a fresh sandbox
    /// (with the scenario helpers such as gym.uniform), exactly as evaluation will read it:
    /// single quotes, one-line tables and computed names all work. nil when it names none.
    public static func declaredEnv(path: String, limits: LuaLimits = LuaLimits()) throws(EnvironmentError) -> String? {
        let state = LuaState(limits: limits, scriptName: path)
        do {
            try state.load(source: ScenarioPrelude.source, chunkName: "=scenario runtime")
            try state.call(arguments: 0, results: 1, function: "scenario runtime")
            state.clearStack()
            try state.run(file: path)
        } catch {
            throw EnvironmentError.wrap(error)
        }
        guard lua_type(state.L, -1) == LUA_TTABLE else {
            throw .contract(script: path, function: nil, message: "a scenario must return a table")
        }
        let table = state.makeReference()
        do {
            try state.pushField("env", ofReference: table)
        } catch {
            throw .script(error)
        }
        defer { state.clearStack() }
        switch lua_type(state.L, -1) {
        case LUA_TNIL: return nil
        case LUA_TSTRING: return state.string(at: -1)
        default: throw .contract(script: path, function: nil, message: "field 'env' must be a string (the env file's path)")
        }
    }
}
