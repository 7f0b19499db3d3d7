import CLua
import Foundation
import LuaBridge

// Scenarios, in two modules. Here in Environments, the side that runs with the env, inside
// its Lua state and on its step path: ScenarioDefinition (the file's fields), ScenarioRuntime
// (params, setup, on_step, on_observation, ctx, success) and ScenarioPrelude (their Lua half).
// In Scenarios, the side that judges policies: ScenarioEvaluation, EvaluationReport and
// ScenarioTarget. The split keeps an env without a scenario free of any scenario cost.

/// A scenario attached to one env's Lua state: it draws params and runs `setup` at each reset,
/// runs `on_step` before each step (which may perturb the env or replace the action), lets
/// `on_observation` add noise, collects `ctx:fail` and `ctx:record`, and judges episodes with
/// `success`. Every call is a protected call whose errors name the scenario's line.
final class ScenarioRuntime {
    let definition: ScenarioDefinition
    private let state: LuaState
    private let envReference: Int32
    private let runtime: Int32
    private let context: Int32
    private let overrides: Int32
    private let originalParams: Int32
    private let setup: Int32?
    private let onStep: Int32?
    private let onObservation: Int32?
    private let success: Int32?
    private let actionTable: Int32
    private let observationTable: Int32
    private let rng: UnsafeMutablePointer<gym_rng>
    private let actionSpace: Space
    private let declaredParams: [String]
    var hasSetup: Bool { setup != nil }

    init(path: String, state: LuaState, envReference: Int32, spec: EnvironmentSpec) throws {
        self.state = state
        self.envReference = envReference
        actionSpace = spec.actionSpace
        declaredParams = Array(spec.params.keys)
        let L = state.L
        func fail(_ message: String) -> EnvironmentError {
            state.clearStack()
            return .contract(script: path, function: nil, message: message)
        }
        do {
            try state.load(source: ScenarioPrelude.source, chunkName: "=scenario runtime")
            try state.call(arguments: 0, results: 1, function: "scenario runtime")
            runtime = state.makeReference()
            try state.run(file: path)
        } catch {
            state.clearStack()
            throw EnvironmentError.wrap(error)
        }
        guard lua_type(L, -1) == LUA_TTABLE else { throw fail("a scenario must return a table") }
        let table = state.makeReference()
        defer { state.releaseReference(table) }
        state.pushReference(table)
        let declared: LuaValue
        do {
            declared = try LuaValue.pull(from: state, at: -1, source: path)
        } catch {
            state.clearStack()
            throw EnvironmentError.script(error)
        }
        state.clearStack()
        guard case .table(let fields) = declared else { throw fail("a scenario must return a table") }

        func text(_ key: String) throws -> String? {
            switch fields.fields[key] {
            case nil: return nil
            case .string(let s)?: return s
            case let other?: throw fail("field '\(key)' must be a string (got \(other.typeName))")
            }
        }
        func count(_ key: String, minimum: Int) throws -> Int? {
            guard let value = fields.fields[key] else { return nil }
            guard let n = value.intValue, n >= minimum else {
                throw fail("field '\(key)' must be an integer of at least \(minimum) (got \(value.typeName))")
            }
            return n
        }
        let knownKeys: Set = ["name", "description", "env", "episodes", "seed", "max_steps", "params", "setup",
                              "on_step", "on_observation", "success", "pass_rate"]
        if let unknown = fields.fields.keys.sorted().first(where: { !knownKeys.contains($0) }) {
            throw fail("unknown field '\(unknown)' (a scenario has: \(knownKeys.sorted().joined(separator: ", ")))")
        }
        var passRate = 1.0
        if let value = fields.fields["pass_rate"] {
            guard let rate = value.doubleValue, rate >= 0, rate <= 1 else { throw fail("field 'pass_rate' must be a number in [0, 1]") }
            passRate = rate
        }
        switch fields.fields["params"] {
        case nil: break
        case .table(let params)?:
            guard params.sequence.isEmpty else { throw fail("field 'params' must map param names to values") }
            for key in params.fields.keys.sorted() where spec.params[key] == nil {
                let known = spec.params.keys.sorted().joined(separator: ", ")
                throw fail("params.\(key) is not a param of \(spec.name) (its params: \(known.isEmpty ? "none" : known))")
            }
        case let other?: throw fail("field 'params' must be a table (got \(other.typeName))")
        }
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        // Names and descriptions reach terminals and XML reports: control characters escaped.
        let name = LuaError.printable(try text("name") ?? stem, limit: 200, singleLine: true)
        let description = LuaError.printable(try text("description") ?? "", limit: 1000)
        definition = ScenarioDefinition(
            path: path, name: name, description: description,
            env: try text("env"), episodes: try count("episodes", minimum: 1),
            seed: try count("seed", minimum: 0).map { UInt64($0) }, maxSteps: try count("max_steps", minimum: 1),
            passRate: passRate)

        func function(_ key: String) throws -> Int32? {
            switch fields.fields[key] {
            case nil: return nil
            case .opaque(let typeName)? where typeName == "function":
                try state.pushField(key, ofReference: table)
                return state.makeReference()
            case let other?: throw fail("field '\(key)' must be a function (got \(other.typeName))")
            }
        }
        setup = try function("setup")
        onStep = try function("on_step")
        onObservation = try function("on_observation")
        success = try function("success")
        if fields.fields["params"] != nil {
            try state.pushField("params", ofReference: table)
        } else {
            lua_createtable(L, 0, 0)
        }
        overrides = state.makeReference()

        state.pushReference(runtime)
        try state.pushField("snapshot_params", ofReference: runtime)
        state.pushReference(envReference)
        try state.call(arguments: 1, results: 1, function: "snapshot_params")
        originalParams = state.makeReference()
        state.clearStack()

        try state.pushField("new_context", ofReference: runtime)
        rng = gym_push_rng(L, SeededGenerator.derive(0, stream: 1))
        try state.call(arguments: 1, results: 1, function: "new_context")
        context = state.makeReference()
        lua_createtable(L, Int32(spec.actionSpace.flatSize), 0)
        actionTable = state.makeReference()
        lua_createtable(L, Int32(spec.observationSpace.flatSize), 0)
        observationTable = state.makeReference()
        state.clearStack()
    }

    func reseed(_ seed: UInt64) { gym_rng_seed(rng, seed) }

    // MARK: Checkpoints

    /// The params the scenario may have changed, in sorted order of the env's declared keys.
    private var paramKeys: [String] { declaredParams.sorted() }

    func snapshot() throws -> ScenarioSnapshot {
        let words = rng.pointee.s
        pushEnvParams()
        let params: LuaValue
        do {
            params = try LuaValue.pull(from: state, at: -1)
        } catch {
            state.clearStack()
            throw EnvironmentError.script(error.located(function: "env.params"))
        }
        state.clearStack()
        let values = try paramKeys.map { key -> Double in
            guard let value = params[key]?.doubleValue else {
                throw EnvironmentError.contract(script: definition.path, function: nil,
                                                message: "param '\(key)' is not a number, so a checkpoint cannot hold it")
            }
            return value
        }
        return ScenarioSnapshot(generator: [words.0, words.1, words.2, words.3], params: values)
    }

    /// Pushes `env.params` with raw access, so no metamethod runs outside a protected call.
    private func pushEnvParams() {
        state.pushReference(envReference)
        lua_pushstring(state.L, "params")
        lua_rawget(state.L, -2)
    }

    /// Puts the scenario's generator, the current episode's params and `ctx.episode` back.
    func restore(_ snapshot: ScenarioSnapshot, episode: Int) throws {
        guard snapshot.params.count == paramKeys.count, snapshot.generator.count == 4 else {
            throw EnvironmentError.contract(script: definition.path, function: nil,
                                            message: "the checkpoint's scenario state does not fit this scenario's env")
        }
        rng.pointee.s = (snapshot.generator[0], snapshot.generator[1], snapshot.generator[2], snapshot.generator[3])
        let L = state.L
        pushEnvParams()
        guard lua_type(L, -1) == LUA_TTABLE else { state.clearStack(); return }
        for (key, value) in zip(paramKeys, snapshot.params) {
            lua_pushnumber(L, value)
            gym_rawsetfield(L, -2, key)
        }
        state.clearStack()
        state.pushReference(context)
        lua_pushinteger(L, lua_Integer(episode))
        gym_rawsetfield(L, -2, "episode")
        state.clearStack()
    }

    /// Restores the env's params, then draws the scenario's; before the env's own reset.
    func beginEpisode(_ episode: Int) throws(LuaError) {
        try state.pushField("begin_episode", ofReference: runtime)
        state.pushReference(context)
        state.pushReference(envReference)
        state.pushReference(originalParams)
        state.pushReference(overrides)
        lua_pushinteger(state.L, lua_Integer(episode))
        try state.call(arguments: 5, results: 0, function: "begin_episode")
        state.clearStack()
    }

    func runSetup() throws {
        guard let setup else { return }
        try callHook(setup, with: envReference, function: "setup")
    }

    /// Calls `hook(first, ctx)` protected; a Lua error becomes the env error naming its line.
    private func callHook(_ hook: Int32, with first: Int32, function: String) throws {
        state.pushReference(hook)
        state.pushReference(first)
        state.pushReference(context)
        do {
            try state.call(arguments: 2, results: 0, function: function)
        } catch {
            state.clearStack()
            throw EnvironmentError.script(error)
        }
        state.clearStack()
    }

    /// Calls `on_step(env, ctx)` with `ctx.t` and `ctx.action`; writes the action to use (the
    /// same or the scenario's replacement) into `action`.
    func beforeStep(t: Int, action: UnsafeMutableBufferPointer<Double>) throws {
        guard let onStep else { return }
        let L = state.L
        state.pushReference(context)
        lua_pushinteger(L, lua_Integer(t))
        gym_rawsetfield(L, -2, "t")
        switch actionSpace {
        case .discrete:
            lua_pushinteger(L, lua_Integer(action[0]))
        case .box:
            state.pushReference(actionTable)
            for i in 0..<action.count {
                lua_pushnumber(L, action[i])
                lua_rawseti(L, -2, lua_Integer(i + 1))
            }
        }
        gym_rawsetfield(L, -2, "action")
        state.clearStack()
        try callHook(onStep, with: envReference, function: "on_step")
        let replaced = try contextField("action")
        switch (actionSpace, replaced) {
        case (.discrete(let n), _):
            guard let value = replaced.doubleValue, Space.isDiscreteAction(value, count: n) else {
                throw EnvironmentError.contract(script: definition.path, function: "on_step",
                                                message: "ctx.action must be an integer in 0..<\(n) (got \(replaced.typeName))")
            }
            action[0] = value
        case (.box(let low, _), .table(let table)):
            let numbers = table.sequence.compactMap(\.doubleValue)
            guard numbers.count == low.count, table.sequence.count == low.count, numbers.allSatisfy({ $0.isFinite }) else {
                throw EnvironmentError.contract(script: definition.path, function: "on_step",
                                                message: "ctx.action must be a list of \(low.count) finite numbers")
            }
            for i in 0..<numbers.count { action[i] = numbers[i] }
        case (.box(let low, _), _):
            throw EnvironmentError.contract(script: definition.path, function: "on_step",
                                            message: "ctx.action must be a list of \(low.count) numbers (got \(replaced.typeName))")
        }
    }

    /// `ctx.failure` as `ctx:fail` set it, or nil.
    var failure: String? {
        get throws {
            // Checked raw first: this runs every step, and is nil until the episode fails.
            state.pushReference(context)
            lua_pushstring(state.L, "failure")
            let type = lua_rawget(state.L, -2)
            state.clearStack()
            guard type != LUA_TNIL else { return nil }
            if case .string(let message) = try contextField("failure") { return LuaError.printable(message) }
            return nil
        }
    }

    /// Lets `on_observation(obs, ctx)` change the observation the policy will see.
    func filterObservation(_ observation: UnsafeMutableBufferPointer<Double>) throws {
        guard let onObservation else { return }
        let L = state.L
        state.pushReference(observationTable)
        for i in 0..<observation.count {
            lua_pushnumber(L, observation[i])
            lua_rawseti(L, -2, lua_Integer(i + 1))
        }
        state.clearStack()
        try callHook(onObservation, with: observationTable, function: "on_observation")
        state.pushReference(observationTable)
        defer { state.clearStack() }
        for i in 0..<observation.count {
            let isNumber = lua_rawgeti(L, -1, lua_Integer(i + 1)) == LUA_TNUMBER
            let value = gym_tonumber(L, -1, nil)
            gym_pop(L, 1)
            guard isNumber, value.isFinite else {
                throw EnvironmentError.contract(script: definition.path, function: "on_observation",
                                                message: "obs[\(i + 1)] must stay a finite number")
            }
            observation[i] = value
        }
    }

    /// The episode's verdict: `success(episode)` if defined, else "no ctx:fail".
    func verdict(totalReward: Double, length: Int, terminated: Bool, truncated: Bool) throws -> Bool {
        let failure = try self.failure
        guard let success else { return failure == nil }
        let L = state.L
        state.pushReference(success)
        do {
            try state.pushField("episode_table", ofReference: runtime)
        } catch {
            state.clearStack()
            throw EnvironmentError.script(error)
        }
        lua_pushnumber(L, totalReward)
        lua_pushinteger(L, lua_Integer(length))
        lua_pushboolean(L, terminated ? 1 : 0)
        lua_pushboolean(L, truncated ? 1 : 0)
        if let failure { LuaValue.string(failure).push(to: state) } else { lua_pushnil(L) }
        state.pushReference(context)
        lua_pushstring(L, "metrics")
        lua_rawget(L, -2)
        lua_copy(L, -1, -2)  // the metrics over ctx, then drop the copy: ctx's slot now holds metrics
        gym_pop(L, 1)
        do {
            try state.call(arguments: 6, results: 1, function: "episode_table")
            try state.call(arguments: 1, results: 1, function: "success")
        } catch {
            state.clearStack()
            throw EnvironmentError.script(error)
        }
        defer { state.clearStack() }
        let base = LuaState.messageHandlerIndex + 1
        guard lua_type(L, base) == LUA_TBOOLEAN else {
            throw EnvironmentError.contract(script: definition.path, function: "success",
                                            message: "success(episode) must return true or false")
        }
        return lua_toboolean(L, base) != 0
    }

    /// The latest value of each `ctx:record` name in this episode (for replays in reports).
    func latestMetrics() throws -> [String: Double] {
        guard case .table(let metrics) = try contextField("metrics") else { return [:] }
        return metrics.fields.compactMapValues { $0["last"]?.doubleValue }
    }

    private func contextField(_ key: String) throws -> LuaValue {
        state.pushReference(context)
        lua_pushstring(state.L, key)
        lua_rawget(state.L, -2)
        defer { state.clearStack() }
        do {
            return try LuaValue.pull(from: state, at: -1, source: definition.path)
        } catch {
            throw EnvironmentError.script(error.located(function: "ctx.\(key)"))
        }
    }
}
