import LuaBridge
import Testing

@Suite struct SandboxTests {
    @Test(arguments: [
        ("os.execute('echo pwned')", "os.execute is not available to gym scripts"),
        ("io.open('/etc/passwd')", "io.open is not available to gym scripts"),
        ("require('socket')", "require('socket') is not available to gym scripts"),
        ("dofile('/etc/passwd')", "dofile is not available to gym scripts"),
        ("loadfile('/etc/passwd')", "loadfile is not available to gym scripts"),
        ("debug.getinfo(1)", "debug.getinfo is not available to gym scripts"),
        ("package.loadlib('x', 'y')", "package.loadlib is not available to gym scripts"),
        ("math.random()", "math.random is not available to gym scripts"),
        ("collectgarbage('stop')", "collectgarbage('stop') is not available to gym scripts"),
        ("load('return 1', 'x', 'b')", "load with mode 'b' is not available to gym scripts"),
    ])
    func forbiddenCapabilityFailsClearlyAtTheCallersLine(code: String, expected: String) {
        let state = LuaState()
        let error = errorOf("local x = 1\n" + code, in: state, chunkName: "evil.lua")
        #expect(error?.kind == .runtime)
        #expect(error?.description.hasPrefix("evil.lua:2: ") == true, "\(String(describing: error))")
        #expect(error?.message.contains(expected) == true, "\(String(describing: error))")
    }

    @Test func bytecodeIsNeverLoaded() throws {
        let state = LuaState()
        #expect(try evaluate("return string.dump == nil", in: state) == .boolean(true))
        // A hand-made binary chunk: refused even without asking for binary mode.
        let result = try evaluate(#"local f, err = load("\27Lua\84\0"); return err"#, in: state)
        #expect(result.stringValue?.contains("attempt to load a binary chunk") == true)
        // And the host's own loader refuses it too.
        #expect(throws: LuaError.self) { try state.load(source: "\u{1B}Lua\u{54}\u{0}", chunkName: "bin.lua") }
        state.clearStack()
    }

    @Test func textChunksStillLoad() throws {
        let state = LuaState()
        #expect(try evaluate("return load('return 6 * 7')()", in: state) == .integer(42))
        #expect(try evaluate("return load('return x', 'c', 't', {x = 5})()", in: state) == .integer(5))
    }

    @Test func endlessLoopIsStoppedByTheInstructionBudget() throws {
        let state = LuaState(limits: LuaLimits(instructionsPerCall: 1_000_000))
        let error = errorOf("local i = 0\nwhile true do i = i + 1 end", in: state, chunkName: "loop.lua")
        #expect(error?.kind == .instructionBudget)
        #expect(error?.line == 2)
        #expect(error?.message.contains("instruction budget exceeded") == true)
        #expect(try evaluate("return 1 + 1", in: state) == .integer(2))
    }

    @Test func loopThatCatchesTheBudgetErrorIsStoppedToo() throws {
        let state = LuaState(limits: LuaLimits(instructionsPerCall: 1_000_000))
        let error = errorOf("""
            while true do
              pcall(function() while true do end end)
            end
            """, in: state)
        #expect(error?.kind == .instructionBudget)
        #expect(try evaluate("local s = 0; for i = 1, 100000 do s = s + i end; return s", in: state) == .integer(5_000_050_000))
    }

    @Test func memoryBombIsStoppedByTheCap() throws {
        let state = LuaState(limits: LuaLimits(memoryBytes: 8 << 20))
        let error = errorOf("""
            local t = {}
            for i = 1, 1e9 do t[i] = string.rep('x', 1000) .. i end
            """, in: state)
        #expect(error?.kind == .memoryLimit)
        #expect(error?.message.contains("memory limit exceeded") == true)
        #expect(state.bytesInUse < 9 << 20)
        // Healthy afterwards: the garbage goes, and ordinary work runs.
        #expect(try evaluate("collectgarbage(); return #string.rep('y', 1000)", in: state) == .integer(1000))
    }

    @Test func hugeSingleAllocationIsStoppedByTheCap() {
        let state = LuaState(limits: LuaLimits(memoryBytes: 8 << 20))
        let error = errorOf("return string.rep('x', 1 << 30)", in: state)
        #expect(error?.kind == .memoryLimit)
    }
}

/// Every capability a script can reach, listed: a new liblua (or a change to the sandbox) that
/// adds one fails here until someone decides it is safe and adds it to the list.
@Suite struct GlobalInventoryTests {
    static let allowed: Set<String> = [
        "_G", "_VERSION", "assert", "collectgarbage", "dofile", "error", "getmetatable", "ipairs", "load",
        "loadfile", "next", "pairs", "pcall", "print", "rawequal", "rawget", "rawlen", "rawset", "require",
        "select", "setmetatable", "tonumber", "tostring", "type", "warn", "xpcall",
        "debug", "io", "os", "package",  // refusing stand-ins: every field access raises
        "gym", "gym.box", "gym.discrete", "gym.float32",
        "math", "math.abs", "math.acos", "math.asin", "math.atan", "math.ceil", "math.cos", "math.deg",
        "math.exp", "math.floor", "math.fmod", "math.huge", "math.log", "math.max", "math.maxinteger",
        "math.min", "math.mininteger", "math.modf", "math.pi", "math.rad", "math.random", "math.randomseed",
        "math.sin", "math.sqrt", "math.tan", "math.tointeger", "math.type", "math.ult",
        // Debian's liblua5.4 is built with LUA_COMPAT_MATHLIB: pure functions, harmless.
        "math.atan2", "math.cosh", "math.frexp", "math.ldexp", "math.log10", "math.pow", "math.sinh", "math.tanh",
        // String arithmetic coercion ("10" + 1): pure functions.
        "string metatable.__add", "string metatable.__div", "string metatable.__idiv", "string metatable.__mod",
        "string metatable.__mul", "string metatable.__pow", "string metatable.__sub", "string metatable.__unm",
        "string", "string.byte", "string.char", "string.find", "string.format", "string.gmatch",
        "string.gsub", "string.len", "string.lower", "string.match", "string.pack", "string.packsize",
        "string.rep", "string.reverse", "string.sub", "string.unpack", "string.upper",
        "table", "table.concat", "table.insert", "table.move", "table.pack", "table.remove", "table.sort",
        "table.unpack",
        "utf8", "utf8.char", "utf8.charpattern", "utf8.codepoint", "utf8.codes", "utf8.len", "utf8.offset",
    ]

    @Test func everyReachableGlobalIsOnTheAllowList() throws {
        let state = LuaState()
        let listed = try evaluate("""
            local names = {}
            for k, v in next, _G do
              names[#names + 1] = k
              if type(v) == "table" and k ~= "_G" and getmetatable(v) == nil then
                for field in next, v do names[#names + 1] = k .. "." .. field end
              end
            end
            -- The string metatable is the other way in: ("").x looks in it.
            local mt = getmetatable("")
            for field in next, mt do names[#names + 1] = "string metatable." .. field end
            names[#names + 1] = "string metatable.__index is string: " .. tostring(mt.__index == string)
            return table.concat(names, "\\n")
            """, in: state)
        var names = Set((listed.stringValue ?? "").split(separator: "\n").map(String.init))
        #expect(names.remove("string metatable.__index is string: true") != nil)
        #expect(names.remove("string metatable.__index") != nil)
        #expect(names.subtracting(Self.allowed).isEmpty, "not on the allow list: \(names.subtracting(Self.allowed).sorted())")
        #expect(Self.allowed.subtracting(names).isEmpty, "gone: \(Self.allowed.subtracting(names).sorted())")
    }

    @Test func refusingStandInsHaveNoFields() {
        for library in ["io", "os", "debug", "package"] {
            let error = errorOf("return \(library).anything", in: LuaState())
            #expect(error?.message.contains("is not available to gym scripts") == true)
        }
    }
}
