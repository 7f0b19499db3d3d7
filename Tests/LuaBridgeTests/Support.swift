import LuaBridge

/// Runs `source` as a chunk named `chunkName` and returns its first result, copied out.
func evaluate(_ source: String, in state: LuaState, chunkName: String = "test.lua") throws(LuaError) -> LuaValue {
    try state.load(source: source, chunkName: chunkName)
    try state.call(arguments: 0, results: 1, function: "main chunk")
    defer { state.clearStack() }
    return try LuaValue.pull(from: state, at: -1)
}

/// The error `source` raises, or nil when it runs.
func errorOf(_ source: String, in state: LuaState, chunkName: String = "test.lua") -> LuaError? {
    do {
        _ = try evaluate(source, in: state, chunkName: chunkName)
        return nil
    } catch {
        return error
    }
}
