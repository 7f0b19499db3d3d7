import LuaBridge
import Testing

@Suite struct LuaValueTests {
    @Test func scalarsCrossFromLuaWithTheirTypes() throws {
        let state = LuaState()
        #expect(try evaluate("return 3", in: state) == .integer(3))
        #expect(try evaluate("return 3.0", in: state) == .number(3.0))
        #expect(try evaluate("return 0.1 + 0.2", in: state) == .number(0.1 + 0.2))
        #expect(try evaluate("return true", in: state) == .boolean(true))
        #expect(try evaluate("return nil", in: state) == .nil)
        #expect(try evaluate("return 'héllo\\0x'", in: state) == .string("héllo\u{0}x"))
        #expect(try evaluate("return function() end", in: state) == .opaque(typeName: "function"))
    }

    @Test func nestedTablesCrossFromLua() throws {
        let state = LuaState()
        let value = try evaluate("return { 1, 2.5, 'x', name = 'n', inner = { flag = false, list = {7} } }", in: state)
        let expected = LuaValue.table(LuaTable(
            sequence: [1, 2.5, "x"],
            fields: ["name": "n", "inner": .table(LuaTable(fields: [
                "flag": false, "list": .table(LuaTable(sequence: [7])),
            ]))]))
        #expect(value == expected)
    }

    @Test func valuesRoundTripThroughLua() throws {
        let state = LuaState()
        let original = LuaValue.table(LuaTable(
            sequence: [.integer(-4), .number(1e-300), .string("ü"), .boolean(true)],
            fields: ["pi": .number(Double.pi), "deep": .table(LuaTable(sequence: [.table(LuaTable(fields: ["k": 1]))]))]))
        try state.load(source: "local v = ... ; return v", chunkName: "identity.lua")
        original.push(to: state)
        try state.call(arguments: 1, results: 1, function: "identity")
        #expect(try LuaValue.pull(from: state, at: -1) == original)
        state.clearStack()
    }

    @Test func luaSeesPushedValuesWithTheirTypes() throws {
        let state = LuaState()
        try state.load(source: """
            local t = ...
            return math.type(t[1]) .. ' ' .. math.type(t.x) .. ' ' .. type(t.s) .. ' ' .. #t
            """, chunkName: "types.lua")
        LuaValue.table(LuaTable(sequence: [.integer(1), .integer(2)], fields: ["x": .number(2), "s": "a"])).push(to: state)
        try state.call(arguments: 1, results: 1, function: "types")
        #expect(try LuaValue.pull(from: state, at: -1) == .string("integer float string 2"))
        state.clearStack()
    }

    @Test func cyclicTablesAreRefusedWithThePath() throws {
        let state = LuaState()
        let error = errorOf("local t = {inner = {}}; t.inner.back = t; return t", in: state)
        #expect(error?.kind == .conversion)
        #expect(error?.message.contains("contains itself (at .inner.back)") == true)
    }

    /// Shared subtables without a cycle: 2^25 values in a few kilobytes.
    @Test func sharedSubtablesAreBoundedByTheValueBudget() throws {
        let state = LuaState()
        let error = errorOf("""
            local t = {1}
            for _ = 1, 25 do t = {a = t, b = t} end
            return t
            """, in: state)
        #expect(error?.kind == .conversion)
        #expect(error?.message.contains("more than \(LuaValue.maximumValues) values") == true)
    }

    @Test func sharedSubtablesWithinTheBudgetCopyAsTrees() throws {
        let state = LuaState()
        let value = try evaluate("local leaf = {1, 2}; return {a = leaf, b = leaf}", in: state)
        #expect(value["a"] == value["b"])
        #expect(value["a"]?.tableValue?.sequence == [.integer(1), .integer(2)])
    }

    @Test func deepNestingIsRefused() throws {
        let state = LuaState()
        let error = errorOf("local t = {}; for _ = 1, 100 do t = {t} end; return t", in: state)
        #expect(error?.message.contains("deeper than \(LuaValue.maximumDepth)") == true)
    }
}
