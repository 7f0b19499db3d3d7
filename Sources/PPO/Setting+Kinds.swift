/// The constructors `PPOSettings.declarations` uses: one per kind of value, each binding a key
/// to a field and saying which values are allowed.
extension Setting {
    /// Where a real-valued setting may lie; each case words its own error.
    enum Bounds {
        case any
        case positive
        /// 0 and up; `offAtZero`: 0 turns the feature off, and the message says so.
        case atLeastZero(offAtZero: Bool)
        /// [low, high]
        case closed(Double, Double)
        /// (low, high]
        case aboveUpTo(Double, Double)

        func problem(_ x: Double) -> String? {
            switch self {
            case .any: return nil
            case .positive: return x > 0 ? nil : "must be positive"
            case .atLeastZero(let off): return x >= 0 ? nil : "must be at least 0" + (off ? " (0: off)" : "")
            case .closed(let low, let high): return x >= low && x <= high ? nil : "must be in [\(low.short), \(high.short)]"
            case .aboveUpTo(let low, let high): return x > low && x <= high ? nil : "must be in (\(low.short), \(high.short)]"
            }
        }
    }

    /// A whole number from `lower` to `upper`; `why` explains the upper limit.
    static func count(_ key: String, _ path: WritableKeyPath<PPOSettings, Int>, atLeast lower: Int,
                      atMost upper: Int = Int.max, why: String? = nil, help: String) -> Setting {
        Setting(key: key, kind: .count, help: help, read: { .integer($0[keyPath: path]) }, write: { settings, value in
            if case .integer(let n) = value { settings[keyPath: path] = n }
        }, rangeProblem: { value in
            guard case .integer(let n) = value else { return nil }
            if n < lower { return "must be at least \(lower)" }
            if n > upper { return "is \(n), more than \(upper)" + (why.map { " (\($0))" } ?? "") }
            return nil
        })
    }

    static func seed(_ key: String, _ path: WritableKeyPath<PPOSettings, UInt64>, help: String) -> Setting {
        Setting(key: key, kind: .seed, help: help, read: { .unsigned($0[keyPath: path]) }, write: { settings, value in
            if case .unsigned(let n) = value { settings[keyPath: path] = n }
        })
    }

    static func real(_ key: String, formerKeys: [String] = [], _ path: WritableKeyPath<PPOSettings, Double>,
                     _ bounds: Bounds, help: String) -> Setting {
        Setting(key: key, formerKeys: formerKeys, kind: .real, help: help, read: { .real($0[keyPath: path]) },
                write: { settings, value in
                    if case .real(let x) = value { settings[keyPath: path] = x }
                }, rangeProblem: { value in
                    guard case .real(let x) = value else { return nil }
                    return bounds.problem(x)
                })
    }

    static func boolean(_ key: String, _ path: WritableKeyPath<PPOSettings, Bool>, help: String) -> Setting {
        Setting(key: key, kind: .boolean, help: help, read: { .boolean($0[keyPath: path]) }, write: { settings, value in
            if case .boolean(let b) = value { settings[keyPath: path] = b }
        })
    }

    static func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ path: WritableKeyPath<PPOSettings, E>,
                                                           help: String) -> Setting where E.RawValue == String {
        Setting(key: key, kind: .choice(E.allCases.map(\.rawValue)), help: help, read: { .text($0[keyPath: path].rawValue) },
                write: { settings, value in
                    if case .text(let word) = value, let choice = E(rawValue: word) { settings[keyPath: path] = choice }
                })
    }

    /// Layer sizes: at most `layers` of them, each from 1 to `width`.
    static func sizes(_ key: String, _ path: WritableKeyPath<PPOSettings, [Int]>, layers: Int, width: Int,
                      help: String) -> Setting {
        Setting(key: key, kind: .sizes, help: help, read: { .sizes($0[keyPath: path]) }, write: { settings, value in
            if case .sizes(let sizes) = value { settings[keyPath: path] = sizes }
        }, rangeProblem: { value in
            guard case .sizes(let sizes) = value else { return nil }
            if sizes.count > layers { return "has \(sizes.count) layers, more than \(layers)" }
            if sizes.contains(where: { $0 < 1 }) { return "layer sizes must be positive" }
            if let wide = sizes.first(where: { $0 > width }) { return "has a layer of \(wide) units, wider than \(width)" }
            return nil
        })
    }
}

private extension Double {
    /// 0, 1, -20, 0.5: how a bound reads in a message.
    var short: String { rounded() == self && abs(self) < 1e15 ? String(Int(self)) : "\(self)" }
}
