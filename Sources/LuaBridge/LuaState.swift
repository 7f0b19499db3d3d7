import CLua
import Foundation

/// Owns one sandboxed `lua_State`. Not thread-safe: one state per thread.
///
/// The rule that keeps Lua's longjmp-based errors out of Swift frames: script code only ever runs
/// through `call(arguments:results:function:)`, a `lua_pcall` with a traceback handler. Outside
/// it, Swift uses only raw API calls that run no Lua code (`lua_rawget*`, `lua_rawset*`, pushes);
/// the memory cap is enforced only inside protected calls, so those can fail only if the whole
/// process is out of memory.
public final class LuaState {
    /// The raw state, for hot paths that drive the stack directly (see `LuaEnvironment.step`).
    public let L: OpaquePointer
    /// Name used in errors that have no location of their own (memory errors, for instance).
    public var scriptName: String
    /// The message handler lives at this stack index for the state's whole life.
    public static let messageHandlerIndex: Int32 = 1

    private let limits: UnsafeMutablePointer<gym_limits>

    public init(limits configured: LuaLimits = LuaLimits(), scriptName: String = "lua") {
        limits = .allocate(capacity: 1)
        let seconds = min(max(0, configured.secondsPerCall), LuaLimits.maximumSecondsPerCall)
        limits.initialize(to: gym_limits(
            bytes_used: 0, bytes_limit: max(0, configured.memoryBytes), enforce_memory: 0,
            memory_exceeded: 0, instruction_budget: Int64(max(0, configured.instructionsPerCall)),
            instructions_left: 0, stopped_by: Int32(GYM_STOP_NONE),
            time_limit_ms: Int64((seconds * 1000).rounded(.up)), call_serial: 0, in_call: 0,
            interrupt_serial: 0, interrupt_kind: 0, allocations_until_failure: 0, state: nil, hook_armed: 0,
            call_clock: CLOCK_MONOTONIC))
        guard let state = gym_newstate(limits) else {
            fatalError("lua_newstate failed: the process is out of memory")
        }
        L = state
        self.scriptName = scriptName
        gym_use_generational_gc(L)
        lua_settop(L, 0)
        gym_pushcfunction(L, gym_message_handler_function())
        Sandbox.install(in: self)
        failAllocation(after: configured.failingAllocation)
        LuaWatchdog.shared.register(limits, name: scriptName)
    }

    deinit {
        LuaWatchdog.shared.unregister(limits)
        lua_close(L)
        limits.deallocate()
    }

    /// Test hook (Lua's ltests.c does the same): the `n`th allocation made by script code from
    /// now on fails, as if memory ran out; 0 turns it off. Host-side allocations never fail.
    public func failAllocation(after n: Int) {
        limits.pointee.allocations_until_failure = Int64(max(0, n))
    }

    /// Whether an injected failure is still to come (it has not struck yet).
    public var allocationFailurePending: Bool { limits.pointee.allocations_until_failure > 0 }

    /// Whether a hook is installed between calls. Only an instruction budget needs one: with a
    /// hook the VM calls into its debug layer at every instruction.
    public var countsInstructions: Bool { lua_gethookmask(L) != 0 }

    /// Bytes currently allocated by this state.
    public var bytesInUse: Int { Int(limits.pointee.bytes_used) }

    // MARK: Loading

    /// Compiles a text chunk and leaves the resulting function on the stack. A `chunkName`
    /// starting with "=" marks host code, whose frames errors never point at. Text this
    /// process compiled before under the same name loads as its bytecode (`CompiledChunks`).
    public func load(source: String, chunkName: String) throws(LuaError) {
        let luaName = chunkName.hasPrefix("=") ? chunkName : "@" + chunkName
        var text = source
        var compiledNow = false
        // The parser allocates from the script's heap: the cap applies to it too.
        gym_begin_script_call(L, limits)
        let status = text.withUTF8 { bytes in
            if let bytecode = CompiledChunks.shared.bytecode(named: luaName, source: bytes) {
                return bytecode.withUnsafeBufferPointer { gym_loadcompiled(L, $0.baseAddress, $0.count, luaName) }
            }
            compiledNow = true
            return bytes.withMemoryRebound(to: CChar.self) { chars in
                gym_loadbuffer(L, chars.baseAddress, chars.count, luaName)
            }
        }
        gym_end_script_call(limits)
        if status == LUA_OK && compiledNow {
            text.withUTF8 { CompiledChunks.shared.store(named: luaName, source: $0, bytecode: CompiledChunks.dump(L)) }
        }
        guard status == LUA_OK else {
            if status == LUA_ERRMEM {
                gym_pop(L, 1)
                throw LuaError(kind: .memoryLimit, source: chunkName.hasPrefix("=") ? scriptName : chunkName,
                               message: memoryMessage)
            }
            let message = popString() ?? "cannot load chunk"
            throw Self.syntaxError(message, chunkName: chunkName)
        }
    }

    /// Runs a script file and leaves its single return value on the stack.
    /// Throws `LuaFileError` when the file cannot be read, `LuaError` when the script fails.
    public func run(file path: String) throws {
        let bytes = try BoundedFile.read(path, limit: Self.maximumScriptSize, what: "script")
        guard let source = String(validating: bytes, as: UTF8.self) else {
            throw LuaFileError(path: path, reason: "not UTF-8 text")
        }
        try load(source: source, chunkName: path)
        try call(arguments: 0, results: 1, function: "main chunk")
    }

    /// 16 MiB: a script is a page or two; the bound keeps a wrong path from becoming a huge read.
    public static let maximumScriptSize = 16 << 20

    /// Syntax errors read `name:line: message near 'x'`, the name as Lua shortens it; split
    /// that into an error located at the whole name.
    static func syntaxError(_ text: String, chunkName: String) -> LuaError {
        let prefix = Array(shortName(of: chunkName).utf8) + Array(":".utf8)
        if text.utf8.starts(with: prefix) {
            let rest = String(decoding: text.utf8.dropFirst(prefix.count), as: UTF8.self)
            if let colon = rest.firstIndex(of: ":"), let line = Int(rest[..<colon]) {
                let message = rest[rest.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                return LuaError(kind: .syntax, source: chunkName, line: line, message: message)
            }
        }
        return LuaError(kind: .syntax, source: chunkName, message: text)
    }

    /// A script's name as Lua prints it in its own messages (`luaO_chunkid`): a path longer
    /// than LUA_IDSIZE - 1 bytes keeps its end, after "...".
    static func shortName(of path: String) -> String {
        let bytes = Array(path.utf8), room = Int(LUA_IDSIZE) - 1
        if bytes.count <= room { return path }
        return "..." + String(decoding: bytes.suffix(room - 3), as: UTF8.self)
    }

    // MARK: Protected calls

    /// Calls the function below the top `arguments` values, protected, and leaves `results`
    /// values in its place. `function` names the entry point for errors that carry no name.
    @inline(__always)
    public func call(arguments: Int32, results: Int32, function: String) throws(LuaError) {
        gym_begin_script_call(L, limits)
        let status = gym_pcall(L, arguments, results, Self.messageHandlerIndex)
        gym_end_script_call(limits)
        if status != LUA_OK { throw popError(status: status, function: function) }
    }

    private var memoryMessage: String {
        limits.pointee.memory_exceeded != 0
            ? "memory limit exceeded (\(limits.pointee.bytes_limit >> 20) MiB per script)"
            : "not enough memory"
    }

    private func popError(status: Int32, function: String) -> LuaError {
        defer { gym_pop(L, 1) }
        if status == LUA_ERRMEM {
            return LuaError(kind: .memoryLimit, source: scriptName, function: function, message: memoryMessage)
        }
        if status == LUA_ERRERR || lua_type(L, -1) != LUA_TTABLE {
            return LuaError(kind: .errorHandling, source: scriptName, function: function,
                            message: string(at: -1) ?? "error while handling an error")
        }
        // The message handler's own table: flat, so the copy cannot fail.
        let report = (try? LuaValue.pull(from: self, at: -1)) ?? .nil
        let source = report["source"]?.stringValue ?? scriptName
        let line = report["line"]?.intValue
        var message = report["message"]?.stringValue ?? "unknown error"
        if let line {
            let prefix = "\(source):\(line): "
            if message.hasPrefix(prefix) { message.removeFirst(prefix.count) }
        }
        let kind: LuaError.Kind
        switch Int(limits.pointee.stopped_by) {
        case Int(GYM_STOP_BUDGET): kind = .instructionBudget
        case Int(GYM_STOP_TIME): kind = .timeLimit
        case Int(GYM_STOP_INTERRUPT): kind = .interrupted
        default: kind = limits.pointee.memory_exceeded != 0 ? .memoryLimit : .runtime
        }
        return LuaError(kind: kind, source: source, line: line,
                        function: report["function"]?.stringValue ?? function,
                        message: LuaError.printable(message), traceback: report["traceback"]?.stringValue)
    }

    // MARK: Table access (protected: metamethods may run script code)

    /// Pushes `table[key]` for the table stored under `reference`.
    public func pushField(_ key: String, ofReference reference: Int32) throws(LuaError) {
        gym_pushcfunction(L, gym_gettable_function())
        pushReference(reference)
        LuaValue.string(key).push(to: self)
        try call(arguments: 2, results: 1, function: "index '\(key)'")
    }

    /// `table[key] = value` for the table stored under `reference`.
    public func setField(_ key: String, ofReference reference: Int32, to value: LuaValue) throws(LuaError) {
        gym_pushcfunction(L, gym_settable_function())
        pushReference(reference)
        LuaValue.string(key).push(to: self)
        value.push(to: self)
        try call(arguments: 3, results: 0, function: "set '\(key)'")
    }

    // MARK: Small raw helpers

    /// The string at `index` if it is a Lua string (numbers are not converted: that allocates).
    public func string(at index: Int32) -> String? {
        guard lua_type(L, index) == LUA_TSTRING else { return nil }
        var length = 0
        guard let chars = gym_tolstring(L, index, &length) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: chars, count: length), as: UTF8.self)
    }

    private func popString() -> String? {
        defer { gym_pop(L, 1) }
        return string(at: -1)
    }

    /// Stores the value on top of the stack in the registry and pops it.
    public func makeReference() -> Int32 { luaL_ref(L, gym_registry_index()) }

    public func pushReference(_ reference: Int32) {
        lua_rawgeti(L, gym_registry_index(), lua_Integer(reference))
    }

    public func releaseReference(_ reference: Int32) { luaL_unref(L, gym_registry_index(), reference) }

    /// Resets the stack to just the message handler.
    public func clearStack() { lua_settop(L, Self.messageHandlerIndex) }
}

/// A script file that cannot be read at all.
public struct LuaFileError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}
