import CLua
import LuaBridge

/// An environment defined by a Lua script (see docs/environments.md), in its own sandboxed state.
///
/// The step path is the hot loop of training: it reuses one Lua table for box actions, keeps every
/// function it calls as a registry reference, reads the observation with raw access, and
/// allocates nothing on the Swift side.
public final class LuaEnvironment: Environment {
    public let path: String
    public let spec: EnvironmentSpec
    public let state: LuaState

    private let envReference: Int32
    private let resetReference: Int32
    private let stepReference: Int32
    private let observeReference: Int32?
    private let renderReference: Int32?
    /// Made at the first `render()`: the C canvas the `draw` methods fill, the `draw` object,
    /// the prelude's frame function (render, then the state put back) and the frame reader.
    private var canvas: UnsafeMutablePointer<gym_canvas>?
    private var drawReference: Int32?
    private var frameFunctionReference: Int32?
    private var frameReader = FrameReader()
    private let actionTableReference: Int32?
    private let rngReference: Int32
    private let rng: UnsafeMutablePointer<gym_rng>
    private let observationCount: Int32
    private let discreteActionCount: Int
    private var scenario: ScenarioRuntime?
    /// The action a scenario's `on_step` may replace, copied so the caller's stays untouched.
    private var scenarioAction: [Double] = []

    /// Whether the script defines `observe()`, the observation of the current `self.state`.
    public var canObserve: Bool { observeReference != nil }

    /// Whether the script defines `render(draw)`, a picture of the current state.
    public var canRender: Bool { renderReference != nil }

    /// Episodes started since loading (the first is 1) and steps taken in the current one.
    public private(set) var episode = 0
    public private(set) var stepInEpisode = 0

    deinit { gym_canvas_free(canvas) }

    public init(path: String, limits: LuaLimits = LuaLimits()) throws(EnvironmentError) {
        let state = LuaState(limits: limits, scriptName: path)
        let L = state.L
        do {
            try state.run(file: path)
        } catch {
            throw EnvironmentError.wrap(error)
        }
        guard lua_type(L, -1) == LUA_TTABLE else {
            let got = String(cString: lua_typename(L, lua_type(L, -1)))
            throw EnvironmentError.contract(
                script: path, function: nil,
                message: "the script must end with `return env`, a table (it returned \(got))")
        }
        let envReference = state.makeReference()

        func field(_ key: String) throws -> LuaValue {
            try state.pushField(key, ofReference: envReference)
            defer { state.clearStack() }
            do {
                return try LuaValue.pull(from: state, at: -1)
            } catch {
                throw EnvironmentError.script(error.located(function: "env.\(key)"))
            }
        }
        func method(_ key: String, required: Bool) throws -> Int32? {
            try state.pushField(key, ofReference: envReference)
            if lua_type(L, -1) == LUA_TFUNCTION { return state.makeReference() }
            let got = String(cString: lua_typename(L, lua_type(L, -1)))
            state.clearStack()
            if required || got != "nil" {
                throw EnvironmentError.contract(script: path, function: nil,
                                                message: "env:\(key) must be a function (got \(got))")
            }
            return nil
        }
        do {
            spec = try SpecReader(script: path).spec(
                name: field("name"), observationSpace: field("observation_space"),
                actionSpace: field("action_space"), maxSteps: field("max_steps"),
                params: field("params"), train: field("train"),
                rewardThreshold: field("reward_threshold"))
            resetReference = try method("reset", required: true)!
            stepReference = try method("step", required: true)!
            observeReference = try method("observe", required: false)
            renderReference = try method("render", required: false)
        } catch {
            throw EnvironmentError.wrap(error)
        }

        if case .box(let low, _) = spec.actionSpace {
            // One table for every step's action: filled in place, never reallocated.
            lua_createtable(L, Int32(low.count), 0)
            for i in 0..<low.count {
                lua_pushnumber(L, 0)
                lua_rawseti(L, -2, lua_Integer(i + 1))
            }
            actionTableReference = state.makeReference()
        } else {
            actionTableReference = nil
        }
        rng = gym_push_rng(L, 0)
        rngReference = state.makeReference()
        state.clearStack()

        self.path = path
        self.state = state
        self.envReference = envReference
        observationCount = Int32(spec.observationSpace.flatSize)
        if case .discrete(let n) = spec.actionSpace { discreteActionCount = n } else { discreteActionCount = 0 }
    }

    // MARK: Environment

    public func reset(seed: UInt64?, observation: UnsafeMutableBufferPointer<Double>) throws {
        if let seed {
            gym_rng_seed(rng, seed)
            scenario?.reseed(SeededGenerator.derive(seed, stream: 1))
        }
        episode += 1
        stepInEpisode = 0
        if let scenario {
            do { try scenario.beginEpisode(episode) } catch { state.clearStack(); throw EnvironmentError.script(error) }
        }
        state.pushReference(resetReference)
        state.pushReference(envReference)
        state.pushReference(rngReference)
        try callScript(arguments: 2, results: 1, function: "reset")
        do {
            defer { state.clearStack() }
            try readObservation(at: LuaState.messageHandlerIndex + 1, into: observation, function: "reset")
        }
        if let scenario {
            if scenario.hasSetup {
                try scenario.runSetup()
                try observe(into: observation)
            }
            try scenario.filterObservation(observation)
        }
    }

    @inline(__always)
    public func step(action: UnsafeBufferPointer<Double>,
                     observation: UnsafeMutableBufferPointer<Double>) throws -> StepOutcome {
        guard let scenario else { return try scriptStep(action: action, observation: observation) }
        // With a scenario: on_step may perturb the env and replace the action; ctx:fail ends
        // the episode; on_observation may add noise to what the policy sees next.
        if scenarioAction.count != action.count { scenarioAction = Array(action) }
        _ = scenarioAction.withUnsafeMutableBufferPointer { $0.update(fromContentsOf: action) }
        try scenarioAction.withUnsafeMutableBufferPointer {
            try scenario.beforeStep(t: stepInEpisode, action: $0)
        }
        var outcome = try scenarioAction.withUnsafeBufferPointer { try scriptStep(action: $0, observation: observation) }
        if let failure = try scenario.failure {
            outcome.failure = failure
            outcome.terminated = true
        }
        try scenario.filterObservation(observation)
        return outcome
    }

    @inline(__always)
    private func scriptStep(action: UnsafeBufferPointer<Double>,
                            observation: UnsafeMutableBufferPointer<Double>) throws -> StepOutcome {
        let L = state.L
        stepInEpisode += 1
        state.pushReference(stepReference)
        state.pushReference(envReference)
        if let actionTableReference {
            state.pushReference(actionTableReference)
            for i in 0..<action.count {
                lua_pushnumber(L, action[i])
                lua_rawseti(L, -2, lua_Integer(i + 1))
            }
        } else {
            // Checked before converting: a NaN or huge double would trap in the conversion.
            guard Space.isDiscreteAction(action[0], count: discreteActionCount) else {
                state.clearStack()
                throw contractError(nil, "invalid discrete action \(action[0]): expected an integer in 0..<\(discreteActionCount)")
            }
            lua_pushinteger(L, lua_Integer(action[0]))
        }
        try callScript(arguments: 2, results: 4, function: "step")
        defer { state.clearStack() }
        let base = LuaState.messageHandlerIndex + 1
        try readObservation(at: base, into: observation, function: "step")

        guard lua_type(L, base + 1) == LUA_TNUMBER else {
            throw contractError("step", "the reward (2nd return value) must be a number, got \(typeName(at: base + 1))")
        }
        let reward = gym_tonumber(L, base + 1, nil)
        guard reward.isFinite else {
            throw nonFiniteError("step", "returned a non-finite reward (\(reward.isNaN ? "nan" : "\(reward)"))")
        }
        let terminatedType = lua_type(L, base + 2)
        guard terminatedType == LUA_TBOOLEAN || terminatedType == LUA_TNIL else {
            throw contractError("step", "terminated (3rd return value) must be a boolean, got \(typeName(at: base + 2))")
        }
        return StepOutcome(reward: reward, terminated: lua_toboolean(L, base + 2) != 0)
    }

    // MARK: State access for scenarios, the checker and tests

    /// Writes the observation of the current `self.state`, through the script's `observe()`.
    public func observe(into observation: UnsafeMutableBufferPointer<Double>) throws {
        guard let observeReference else {
            throw contractError(nil, "env:observe() is not defined, so the state cannot be set from outside")
        }
        state.pushReference(observeReference)
        state.pushReference(envReference)
        try callScript(arguments: 1, results: 1, function: "observe")
        defer { state.clearStack() }
        try readObservation(at: LuaState.messageHandlerIndex + 1, into: observation, function: "observe")
    }

    /// `env.state`, copied out (a list of numbers for the shipped envs).
    public func physicalState() throws -> LuaValue {
        do {
            try state.pushField("state", ofReference: envReference)
        } catch {
            throw EnvironmentError.script(error)
        }
        defer { state.clearStack() }
        do {
            return try LuaValue.pull(from: state, at: -1)
        } catch {
            throw EnvironmentError.script(error.located(function: "env.state"))
        }
    }

    /// Sets `env.state` and writes the matching observation (as a scenario's setup would).
    /// (Declared before `SnapshottingEnvironment`'s methods, which build on it.)
    public func setPhysicalState(_ values: [Double], observation: UnsafeMutableBufferPointer<Double>) throws {
        try setStateTable(values)
        try observe(into: observation)
    }

    private func setStateTable(_ values: [Double]) throws {
        do {
            try state.setField("state", ofReference: envReference,
                               to: .table(LuaTable(sequence: values.map { .number($0) })))
        } catch {
            throw EnvironmentError.script(error)
        }
    }

    /// Applies a scenario to every episode from now on: its params and `setup` at each reset,
    /// `on_step` and `on_observation` at each step (docs/scenarios.md).
    @discardableResult
    public func attachScenario(path scenarioPath: String) throws -> ScenarioDefinition {
        let runtime: ScenarioRuntime
        do {
            runtime = try ScenarioRuntime(path: scenarioPath, state: state, envReference: envReference, spec: spec)
        } catch {
            state.clearStack()
            throw EnvironmentError.wrap(error)
        }
        if runtime.hasSetup && observeReference == nil {
            throw contractError(nil, "scenario \(scenarioPath) has a setup, but env:observe() is not defined")
        }
        scenario = runtime
        return runtime.definition
    }

    /// The latest value of each name the attached scenario's `ctx:record` saw this episode.
    public func scenarioMetrics() throws -> [String: Double] {
        try scenario?.latestMetrics() ?? [:]
    }

    /// The attached scenario's verdict on the episode that just ended.
    public func scenarioVerdict(totalReward: Double, length: Int, terminated: Bool, truncated: Bool) throws -> Bool {
        guard let scenario else { return true }
        return try scenario.verdict(totalReward: totalReward, length: length, terminated: terminated, truncated: truncated)
    }

    // MARK: Rendering

    /// The picture of the current state, from the script's `render(draw, last)` (nil when it has
    /// none). It runs under the same sandbox and limits as every other call. Whatever it does
    /// to `self.state` or to a generator the env kept is undone, so recording never changes
    /// the trajectory.
    public func render(_ last: RenderContext) throws -> Frame? {
        guard let renderReference else { return nil }
        let L = state.L
        let generator = rng.pointee.s
        defer { rng.pointee.s = generator }
        if canvas == nil {
            guard let made = gym_canvas_new(Int32(Frame.maximumShapes), Int32(Frame.maximumCoordinates),
                                            Int32(Frame.maximumTextLength)) else {
                throw contractError("render", "not enough memory for a canvas")
            }
            canvas = made
            do {
                try state.load(source: RenderPrelude.source, chunkName: "=render runtime")
                try state.call(arguments: 0, results: 1, function: "render runtime")
                frameFunctionReference = state.makeReference()
            } catch {
                state.clearStack()
                throw EnvironmentError.script(error)
            }
            gym_push_draw(L, made)
            drawReference = state.makeReference()
        }
        gym_canvas_clear(canvas!)
        state.pushReference(frameFunctionReference!)
        state.pushReference(renderReference)
        state.pushReference(envReference)
        state.pushReference(drawReference!)
        pushRenderContext(last)
        try callScript(arguments: 4, results: 0, function: "render")
        state.clearStack()
        return frameReader.frame(canvas!)
    }

    /// `last` as the table render receives: {t =, action =, reward =}.
    private func pushRenderContext(_ last: RenderContext) {
        let L = state.L
        lua_createtable(L, 0, 3)
        lua_pushinteger(L, lua_Integer(last.t))
        gym_rawsetfield(L, -2, "t")
        if let action = last.action {
            if discreteActionCount > 0, let first = action.first, let n = lua_Integer(exactly: first) {
                lua_pushinteger(L, n)
            } else {
                lua_createtable(L, Int32(action.count), 0)
                for (i, value) in action.enumerated() {
                    lua_pushnumber(L, value)
                    lua_rawseti(L, -2, lua_Integer(i + 1))
                }
            }
            gym_rawsetfield(L, -2, "action")
        }
        if let reward = last.reward {
            lua_pushnumber(L, reward)
            gym_rawsetfield(L, -2, "reward")
        }
    }

    // MARK: Helpers

    @inline(__always)
    private func callScript(arguments: Int32, results: Int32, function: String) throws {
        do {
            try state.call(arguments: arguments, results: results, function: function)
        } catch {
            state.clearStack()
            throw EnvironmentError.script(error)
        }
    }

    @inline(__always)
    private func readObservation(at index: Int32, into observation: UnsafeMutableBufferPointer<Double>,
                                 function: String) throws {
        let L = state.L
        guard lua_type(L, index) == LUA_TTABLE else {
            throw contractError(function, "the observation must be a table of numbers, got \(typeName(at: index))")
        }
        let count = Int32(lua_rawlen(L, index))
        guard count == observationCount else {
            throw contractError(function, "returned \(count) observation values, expected \(observationCount)")
        }
        for i in 0..<Int(count) {
            // A number type, not a numeric string: Lua would convert "1" silently.
            let isNumber = lua_rawgeti(L, index, lua_Integer(i + 1)) == LUA_TNUMBER
            let value = gym_tonumber(L, -1, nil)
            gym_pop(L, 1)
            guard isNumber else {
                throw contractError(function, "observation[\(i + 1)] is not a number")
            }
            guard value.isFinite else {
                throw nonFiniteError(function, "returned a non-finite observation[\(i + 1)] (\(value.isNaN ? "nan" : "\(value)"))")
            }
            observation[i] = value
        }
    }

    private func typeName(at index: Int32) -> String {
        String(cString: lua_typename(state.L, lua_type(state.L, index)))
    }

    private func contractError(_ function: String?, _ message: String) -> EnvironmentError {
        .contract(script: path, function: function, message: message + whereInEpisode)
    }

    private func nonFiniteError(_ function: String, _ message: String) -> EnvironmentError {
        .nonFinite(script: path, function: function, message: message + whereInEpisode)
    }

    private var whereInEpisode: String {
        episode > 0 ? " (episode \(episode), step \(stepInEpisode))" : ""
    }
}

extension LuaEnvironment: SnapshottingEnvironment {
    public func captureState() throws -> (generator: [UInt64], state: [Double], episode: Int, stepInEpisode: Int,
                                          scenario: ScenarioSnapshot?) {
        let value = try physicalState()
        guard case .table(let table) = value, table.fields.isEmpty,
              let numbers = Optional(table.sequence.compactMap(\.doubleValue)), numbers.count == table.sequence.count else {
            throw contractError(nil, "env.state must be a flat list of numbers to be saved in a checkpoint (got \(value.typeName))")
        }
        let words = rng.pointee.s
        return ([words.0, words.1, words.2, words.3], numbers, episode, stepInEpisode, try scenario?.snapshot())
    }

    public func restoreState(generator: [UInt64], state values: [Double], episode: Int, stepInEpisode: Int,
                             scenario snapshot: ScenarioSnapshot?) throws {
        // The observation comes back from the snapshot; only the script's state is set here.
        try setStateTable(values)
        rng.pointee.s = (generator[0], generator[1], generator[2], generator[3])
        self.episode = episode
        self.stepInEpisode = stepInEpisode
        if let snapshot, let scenario { try scenario.restore(snapshot, episode: episode) }
    }
}
