import CLua

/// A Lua value copied into Swift (and back). Tables keep their sequence part (keys 1...n) and
/// their string-keyed fields; other keys are not representable and are dropped.
public enum LuaValue: Equatable, Sendable {
    case `nil`
    case boolean(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case table(LuaTable)
    /// A function, userdata or thread: it stays in Lua; only its type name crosses.
    case opaque(typeName: String)

    public subscript(key: String) -> LuaValue? {
        if case .table(let table) = self { return table.fields[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// Integers, and floats with an exact integer value (Lua 5.4 keeps 3 and 3.0 apart).
    public var intValue: Int? {
        switch self {
        case .integer(let value): return Int(exactly: value)
        case .number(let value): return Int(exactly: value)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .number(let value): return value
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .boolean(let value) = self { return value }
        return nil
    }

    public var tableValue: LuaTable? {
        if case .table(let value) = self { return value }
        return nil
    }

    /// Lua's name for the value's type, for error messages.
    public var typeName: String {
        switch self {
        case .nil: return "nil"
        case .boolean: return "boolean"
        case .integer, .number: return "number"
        case .string: return "string"
        case .table: return "table"
        case .opaque(let typeName): return typeName
        }
    }
}

public struct LuaTable: Equatable, Sendable {
    public var sequence: [LuaValue]
    public var fields: [String: LuaValue]

    public init(sequence: [LuaValue] = [], fields: [String: LuaValue] = [:]) {
        self.sequence = sequence
        self.fields = fields
    }
}

extension LuaValue {
    /// Nesting deeper than this is cut off (it also stops reference cycles).
    public static let maximumDepth = 32

    /// Copies the value at `index` without running any Lua code (raw access only).
    public static func pull(from state: LuaState, at index: Int32, depth: Int = 0) -> LuaValue {
        let L = state.L
        switch lua_type(L, index) {
        case LUA_TNIL, LUA_TNONE: return .nil
        case LUA_TBOOLEAN: return .boolean(lua_toboolean(L, index) != 0)
        case LUA_TNUMBER:
            if gym_isinteger(L, index) != 0 { return .integer(gym_tointeger(L, index, nil)) }
            return .number(gym_tonumber(L, index, nil))
        case LUA_TSTRING: return .string(state.string(at: index) ?? "")
        case LUA_TTABLE:
            guard depth < maximumDepth, lua_checkstack(L, 3) != 0 else { return .table(LuaTable()) }
            return .table(pullTable(from: state, at: lua_absindex(L, index), depth: depth))
        default:
            return .opaque(typeName: String(cString: lua_typename(L, lua_type(L, index))))
        }
    }

    private static func pullTable(from state: LuaState, at index: Int32, depth: Int) -> LuaTable {
        let L = state.L
        var table = LuaTable()
        let length = Int(lua_rawlen(L, index))
        table.sequence.reserveCapacity(length)
        for position in 0..<length {
            lua_rawgeti(L, index, lua_Integer(position + 1))
            table.sequence.append(pull(from: state, at: -1, depth: depth + 1))
            gym_pop(L, 1)
        }
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            // key at -2, value at -1; keys are read without conversion so lua_next stays valid.
            if lua_type(L, -2) == LUA_TSTRING, let key = state.string(at: -2) {
                table.fields[key] = pull(from: state, at: -1, depth: depth + 1)
            }
            gym_pop(L, 1)
        }
        return table
    }

    /// Pushes a copy of the value onto the stack. Runs no Lua code.
    public func push(to state: LuaState) {
        let L = state.L
        switch self {
        case .nil, .opaque: lua_pushnil(L)
        case .boolean(let value): lua_pushboolean(L, value ? 1 : 0)
        case .integer(let value): lua_pushinteger(L, lua_Integer(value))
        case .number(let value): lua_pushnumber(L, value)
        case .string(let value):
            var text = value
            text.withUTF8 { bytes in
                bytes.withMemoryRebound(to: CChar.self) { _ = lua_pushlstring(L, $0.baseAddress, $0.count) }
            }
        case .table(let table):
            precondition(lua_checkstack(L, 3) != 0, "Lua stack overflow while pushing a table")
            lua_createtable(L, Int32(clamping: table.sequence.count), Int32(clamping: table.fields.count))
            for (position, element) in table.sequence.enumerated() {
                element.push(to: state)
                lua_rawseti(L, -2, lua_Integer(position + 1))
            }
            for (key, element) in table.fields {
                element.push(to: state)
                gym_rawsetfield(L, -2, key)
            }
        }
    }
}

extension LuaValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
}
