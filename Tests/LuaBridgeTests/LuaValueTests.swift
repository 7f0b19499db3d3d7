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
        #expect(LuaValue.pull(from: state, at: -1) == original)
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
        #expect(LuaValue.pull(from: state, at: -1) == .string("integer float string 2"))
        state.clearStack()
    }

    @Test func cyclicTablesAreCutOffInsteadOfLooping() throws {
        let state = LuaState()
        let value = try evaluate("local t = {}; t.self = t; return t", in: state)
        var depth = 0
        var current: LuaValue? = value
        while let next = current?["self"] {
            depth += 1
            current = next
        }
        #expect(depth == LuaValue.maximumDepth)
    }
}
