import LuaBridge

extension PPOSettings {
    /// These settings with an env file's `train` table laid over them. An unknown key or a value
    /// of the wrong type is an error naming it; a former key works, and `deprecated` hears of it.
    public func applying(trainTable table: LuaTable, source: String,
                         deprecated: (String) -> Void = { _ in }) throws -> PPOSettings {
        var settings = self
        for (key, lua) in table.fields.sorted(by: { $0.key < $1.key }) {
            guard let setting = Self.declaration(key) else {
                let known = Self.keys.sorted().joined(separator: ", ")
                throw TrainingError.settings("\(source): train.\(key) is not a setting (known: \(known))")
            }
            if key != setting.key {
                deprecated("\(source): train.\(key) is now called \(setting.key); the old name still works for now")
            }
            if case .number(let number) = lua, !number.isFinite {
                throw TrainingError.settings("\(source): train.\(key) must be a finite number (got \(number.isNaN ? "nan" : "\(number)"))")
            }
            guard let value = setting.value(fromLua: lua) else {
                throw TrainingError.settings("\(source): train.\(key) must be \(setting.expectation) (got \(Self.describe(lua)))")
            }
            setting.set(value, in: &settings)
        }
        return settings
    }

    private static func describe(_ value: LuaValue) -> String {
        switch value {
        case .string(let s): "\"\(s.prefix(40))\""
        case .integer(let n): "\(n)"
        case .number(let x): "\(x)"
        case .boolean(let b): "\(b)"
        default: "a \(value.typeName)"
        }
    }
}
