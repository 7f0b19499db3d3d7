import LuaBridge

extension PPOSettings {
    /// These settings with an env file's `train` table laid over them. An unknown key or a value
    /// of the wrong type is an error naming it; a former key works, and `deprecated` hears of it.
    public func applying(trainTable table: LuaTable, source: String, keyPrefix: String = "train.",
                         deprecated: (String) -> Void = { _ in }) throws -> PPOSettings {
        var settings = self
        for (key, lua) in table.fields.sorted(by: { $0.key < $1.key }) {
            // `train.sac = {...}` and the like hold one algorithm's settings: see `recommended(for:trainTable:)`.
            if keyPrefix == "train.", let algorithm = Algorithm(rawValue: key), algorithm.isOffPolicy {
                guard case .table = lua else {
                    throw TrainingError.settings("\(source): \(keyPrefix)\(key) must be a table of \(key)'s settings (got a \(lua.typeName))")
                }
                continue
            }
            guard let setting = Self.declaration(key) else {
                if let nearest = Self.nearestKey(to: key) {
                    throw TrainingError.settings("\(source): \(keyPrefix)\(key) is not a setting; did you mean \(nearest)?")
                }
                let known = Self.keys.sorted().joined(separator: ", ")
                throw TrainingError.settings("\(source): \(keyPrefix)\(key) is not a setting (known: \(known))")
            }
            if key != setting.key {
                deprecated("\(source): \(keyPrefix)\(key) is now called \(setting.key); the old name still works for now")
            }
            if case .number(let number) = lua, !number.isFinite {
                throw TrainingError.settings("\(source): \(keyPrefix)\(key) must be a finite number (got \(number.isNaN ? "nan" : "\(number)"))")
            }
            guard let value = setting.value(fromLua: lua) else {
                throw TrainingError.settings("\(source): \(keyPrefix)\(key) must be \(setting.expectation) (got \(Self.describe(lua)))")
            }
            setting.set(value, in: &settings)
        }
        return settings
    }

    /// The settings an env file's `train` table recommends for `algorithm`: PPO reads the
    /// table's top-level keys (as env files always did), an off-policy algorithm reads only its
    /// own sub-table (`train = { ..., sac = { steps = 20000 } }`) over its own defaults.
    public static func recommended(for algorithm: Algorithm, trainTable table: LuaTable?, source: String,
                                   deprecated: (String) -> Void = { _ in }) throws -> PPOSettings {
        let defaults = defaults(for: algorithm)
        guard let table else { return defaults }
        // The top-level keys are checked whichever algorithm runs, so a typo never hides.
        let ppo = try defaults.applying(trainTable: table, source: source, deprecated: deprecated)
        if !algorithm.isOffPolicy { return ppo }
        guard case .table(let own)? = table.fields[algorithm.rawValue] else { return defaults }
        if own.fields["algorithm"] != nil {
            throw TrainingError.settings("\(source): train.\(algorithm.rawValue).algorithm: the sub-table already names its algorithm")
        }
        return try defaults.applying(trainTable: own, source: source, keyPrefix: "train.\(algorithm.rawValue).", deprecated: deprecated)
    }

    /// The setting whose key is closest to a misspelt one (at most a third of its letters
    /// wrong), for "did you mean".
    public static func nearestKey(to key: String) -> String? {
        let scored = keys.map { ($0, editDistance(key.lowercased(), $0)) }.min { $0.1 < $1.1 }
        guard let (nearest, distance) = scored, distance <= max(2, nearest.count / 3) else { return nil }
        return nearest
    }

    /// Levenshtein distance: insertions, deletions and substitutions.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + [Int](repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
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
