import LuaBridge
import Testing

@Suite struct LuaErrorTests {
    @Test func runtimeErrorNamesScriptLineAndFunction() throws {
        let state = LuaState()
        let error = errorOf("""
            local function helper(t)
              return t.missing.field
            end
            local value = helper({})
            return value
            """, in: state, chunkName: "envs/foo.lua")
        #expect(error?.kind == .runtime)
        #expect(error?.source == "envs/foo.lua")
        #expect(error?.line == 2)
        #expect(error?.function == "helper")
        #expect(error?.description.hasPrefix("envs/foo.lua:2: in function 'helper': attempt to index a nil value") == true)
        #expect(error?.traceback?.contains("stack traceback") == true)
    }

    @Test func hostEntryPointNamesFunctionsCalledFromSwift() throws {
        let state = LuaState()
        _ = try evaluate("step = function() error('boom') end", in: state, chunkName: "env.lua")
        try state.load(source: "return step", chunkName: "getter.lua")
        try state.call(arguments: 0, results: 1, function: "get")
        do {
            try state.call(arguments: 0, results: 0, function: "step")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "env.lua:1: in function 'step': boom")
        }
        state.clearStack()
    }

    @Test func errorWithNonStringValueIsDescribed() {
        let state = LuaState()
        let error = errorOf("error({code = 1})", in: state)
        #expect(error?.message == "(error object is a table value)")
        #expect(error?.line == 1)
    }

    @Test func syntaxErrorNamesLine() {
        let state = LuaState()
        do {
            try state.load(source: "local x = 1\nlocal = 2\n", chunkName: "envs/bad.lua")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.kind == .syntax)
            #expect(error.line == 2)
            #expect(error.description.hasPrefix("envs/bad.lua:2: "))
        }
    }

    /// Lua's own messages shorten a path past 59 bytes to "..." and its end; gym names the
    /// script by its whole path, once, whatever its length.
    @Test(arguments: [20, 59, 60, 140])
    func errorsNameAScriptByItsWholePath(length: Int) throws {
        let name = "/home/" + String(repeating: "d/", count: (length - 14) / 2) + "env.lua"
        let path = name + String(repeating: "x", count: length - name.utf8.count)
        #expect(path.utf8.count == length)
        let expectations: [(source: String, prefix: String)] = [
            ("local t = nil\nreturn t.x", "\(path):2: in function 'main chunk': attempt to index a nil value"),
            ("\nerror('boom')", "\(path):2: in function 'main chunk': boom"),
        ]
        for (source, prefix) in expectations {
            let error = errorOf(source, in: LuaState(), chunkName: path)
            #expect(error?.source == path)
            #expect(error?.description.hasPrefix(prefix) == true, "\(error?.description ?? "no error")")
            #expect(error?.message.contains("...") == false)
        }
        do {
            try LuaState().load(source: "local x = 1\nlocal = 2\n", chunkName: path)
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.line == 2)
            #expect(error.description.hasPrefix("\(path):2: "), "\(error.description)")
            #expect(!error.message.contains(":2:"))
        }
    }

    @Test func stateStaysHealthyAfterErrors() throws {
        let state = LuaState()
        for _ in 0..<100 { _ = errorOf("local t = nil; return t.x", in: state) }
        #expect(try evaluate("return 40 + 2", in: state) == .integer(42))
    }
}
