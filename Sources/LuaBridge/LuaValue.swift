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
    /// Nesting deeper than this is refused.
    public static let maximumDepth = 32
    /// Values (table entries included) one copy may hold: tables that share subtables can
    /// describe exponentially many values in little memory.
    public static let maximumValues = 100_000

    /// Copies the value at `index` without running any Lua code (raw access only). Throws a
    /// `.conversion` error for a table that contains itself, nests deeper than `maximumDepth`,
    /// or holds more than `maximumValues` values in all.
    /// `source` names the script the value came from (default: the state's script).
    public static func pull(from state: LuaState, at index: Int32, source: String? = nil) throws(LuaError) -> LuaValue {
        var copier = Copier(state: state, source: source ?? state.scriptName)
        return try copier.pull(at: index, key: nil)
    }

    /// Where a value sits in the table being copied, for error messages.
    private enum Key {
        case index(Int)
        case field(String)
    }

    private struct Copier {
        let state: LuaState
        let source: String
        var values = 0
        var open: Set<UnsafeRawPointer> = []
        var trail: [Key] = []

        var path: String {
            guard !trail.isEmpty else { return "the top" }
            return trail.map { key -> String in
                switch key {
                case .index(let i): return "[\(i)]"
                case .field(let name): return "." + LuaError.printable(name, limit: 64)
                }
            }.joined()
        }

        mutating func pull(at index: Int32, key: Key?) throws(LuaError) -> LuaValue {
            let L = state.L
            values += 1
            guard values <= LuaValue.maximumValues else {
                throw problem("the table holds more than \(LuaValue.maximumValues) values (a subtable counts each time it appears)")
            }
            switch lua_type(L, index) {
            case LUA_TNIL, LUA_TNONE: return .nil
            case LUA_TBOOLEAN: return .boolean(lua_toboolean(L, index) != 0)
            case LUA_TNUMBER:
                if gym_isinteger(L, index) != 0 { return .integer(gym_tointeger(L, index, nil)) }
                return .number(gym_tonumber(L, index, nil))
            case LUA_TSTRING: return .string(state.string(at: index) ?? "")
            case LUA_TTABLE:
                guard let identity = lua_topointer(L, index) else { return .table(LuaTable()) }
                guard !open.contains(identity) else {
                    if let key { trail.append(key) }
                    throw problem("the table contains itself (at \(path)); gym copies only tree-shaped tables")
                }
                if let key { trail.append(key) }
                guard open.count < LuaValue.maximumDepth, lua_checkstack(L, 3) != 0 else {
                    throw problem("the table nests deeper than \(LuaValue.maximumDepth) levels (at \(path))")
                }
                open.insert(identity)
                let table = try pullTable(at: lua_absindex(L, index))
                open.remove(identity)
                if key != nil { trail.removeLast() }
                return .table(table)
            default:
                return .opaque(typeName: String(cString: lua_typename(L, lua_type(L, index))))
            }
        }

        private mutating func pullTable(at index: Int32) throws(LuaError) -> LuaTable {
            let L = state.L
            var table = LuaTable()
            let length = Int(lua_rawlen(L, index))
            guard length <= LuaValue.maximumValues - values else {
                throw problem("the table holds more than \(LuaValue.maximumValues) values")
            }
            table.sequence.reserveCapacity(length)
            for position in 0..<length {
                lua_rawgeti(L, index, lua_Integer(position + 1))
                defer { gym_pop(L, 1) }
                table.sequence.append(try pull(at: -1, key: .index(position + 1)))
            }
            lua_pushnil(L)
            while lua_next(L, index) != 0 {
                // key at -2, value at -1; keys are read without conversion so lua_next stays valid.
                if lua_type(L, -2) == LUA_TSTRING, let key = state.string(at: -2) {
                    do {
                        table.fields[key] = try pull(at: -1, key: .field(key))
                    } catch {
                        gym_pop(L, 2)
                        throw error
                    }
                }
                gym_pop(L, 1)
            }
            return table
        }

        private func problem(_ message: String) -> LuaError {
            LuaError(kind: .conversion, source: source, message: message)
        }
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
