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
