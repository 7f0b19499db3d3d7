import CLua
import LuaBridge

/// What `gym run --scenario` needs of a scenario file: a table with an optional
/// `setup(env, ctx)` that runs right after every reset, in the env's own Lua state.
/// `ctx.rng` is a generator of its own (seeded from the episode seed); `ctx.episode` counts from 1.
final class ScenarioHooks {
    private let setupReference: Int32?
    private let contextReference: Int32
    private let rng: UnsafeMutablePointer<gym_rng>

    var hasSetup: Bool { setupReference != nil }

    init(path: String, state: LuaState) throws {
        let L = state.L
        do {
            try state.run(file: path)
        } catch {
            state.clearStack()
            throw EnvironmentError.wrap(error)
        }
        guard lua_type(L, -1) == LUA_TTABLE else {
            state.clearStack()
            throw EnvironmentError.contract(script: path, function: nil,
                                            message: "a scenario must return a table")
        }
        let tableReference = state.makeReference()
        defer { state.releaseReference(tableReference) }
        do {
            try state.pushField("setup", ofReference: tableReference)
        } catch {
            state.clearStack()
            throw EnvironmentError.script(error)
        }
        switch lua_type(L, -1) {
        case LUA_TFUNCTION:
            setupReference = state.makeReference()
        case LUA_TNIL:
            setupReference = nil
        default:
            state.clearStack()
            throw EnvironmentError.contract(script: path, function: nil,
                                            message: "field 'setup' must be a function")
        }
        lua_createtable(L, 0, 2)
        rng = gym_push_rng(L, SeededGenerator.derive(0, stream: 1))
        gym_rawsetfield(L, -2, "rng")
        lua_pushinteger(L, 0)
        gym_rawsetfield(L, -2, "episode")
        contextReference = state.makeReference()
        state.clearStack()
    }

    func reseed(_ seed: UInt64) { gym_rng_seed(rng, seed) }

    /// Calls `setup(env, ctx)`; the stack is left clean.
    func setup(env envReference: Int32, episode: Int, in state: LuaState) throws(LuaError) {
        guard let setupReference else { return }
        let L = state.L
        state.pushReference(contextReference)
        lua_pushinteger(L, lua_Integer(episode))
        gym_rawsetfield(L, -2, "episode")
        gym_pop(L, 1)
        state.pushReference(setupReference)
        state.pushReference(envReference)
        state.pushReference(contextReference)
        try state.call(arguments: 2, results: 0, function: "setup")
        state.clearStack()
    }
}
