import LuaBridge

/// A setting's value, whichever way it came in: an env file's `train` table, a flag, a policy file.
public enum SettingValue: Equatable, Sendable, CustomStringConvertible {
    case integer(Int)
    case unsigned(UInt64)
    case real(Double)
    case boolean(Bool)
    case text(String)
    case sizes([Int])

    /// As a person writes it in a flag or a `train` table.
    public var description: String {
        switch self {
        case .integer(let n): "\(n)"
        case .unsigned(let n): "\(n)"
        case .real(let x): "\(x)"
        case .boolean(let b): "\(b)"
        case .text(let s): s
        case .sizes(let sizes): sizes.isEmpty ? "none" : sizes.map(String.init).joined(separator: ",")
        }
    }
}

/// One training setting, declared once in `PPOSettings.declarations`. Everything else about it
/// derives from that entry: the `train` table key and the policy file's JSON key, the `gym
/// train` flag and its help, the range check, and the table in docs/training.md.
public struct Setting {
    public enum Kind: Equatable, Sendable {
        /// A whole number.
        case count
        /// A whole number from 0 to 2^64 - 1.
        case seed
        /// A finite number.
        case real
        case boolean
        /// One of a few words.
        case choice([String])
        /// Hidden layer sizes: a list of whole numbers (`--hidden 64,64`, or `none`).
        case sizes
    }

    /// snake_case, as in `train = {...}` tables and policy files.
    public let key: String
    /// Names this setting had before; still read from env files and policy files.
    public let formerKeys: [String]
    public let kind: Kind
    /// One sentence: the flag's help and the docs table's meaning column.
    public let help: String
    private let read: (PPOSettings) -> SettingValue
    private let write: (inout PPOSettings, SettingValue) -> Void
    /// What is wrong with a value of the right kind ("must be positive"), if anything.
    private let rangeProblem: (SettingValue) -> String?

    init(key: String, formerKeys: [String] = [], kind: Kind, help: String,
         read: @escaping (PPOSettings) -> SettingValue, write: @escaping (inout PPOSettings, SettingValue) -> Void,
         rangeProblem: @escaping (SettingValue) -> String? = { _ in nil }) {
        self.key = key
        self.formerKeys = formerKeys
        self.kind = kind
        self.help = help
        self.read = read
        self.write = write
        self.rangeProblem = rangeProblem
    }

    /// The help, with the choices when there are some.
    public var fullHelp: String {
        guard case .choice(let words) = kind else { return help }
        return help + " One of: " + words.joined(separator: ", ") + "."
    }

    /// `--n-steps` for `n_steps`.
    public var flag: String { "--" + key.split(separator: "_").joined(separator: "-") }

    public func value(in settings: PPOSettings) -> SettingValue { read(settings) }
    public var defaultValue: SettingValue { read(PPOSettings()) }

    /// Sets the value; the kind must match (the readers below make sure of it).
    public func set(_ value: SettingValue, in settings: inout PPOSettings) { write(&settings, value) }

    /// The first problem with this setting's value in `settings`, in the words of its key.
    public func problem(in settings: PPOSettings) -> String? {
        let value = read(settings)
        if case .real(let x) = value, !x.isFinite { return "\(key) must be a finite number (got \(x))" }
        return rangeProblem(value).map { "\(key) \($0)" }
    }

    // MARK: Reading values

    /// A flag's text: `--steps 1e5` is refused, `--hidden none` is no hidden layer.
    public func parse(flagText text: String) throws(SettingInputError) -> SettingValue {
        func refused(_ what: String) -> SettingInputError { SettingInputError("\(flag) takes \(what) (got '\(text)')") }
        switch kind {
        case .count:
            guard let n = Int(text) else { throw refused("a whole number") }
            return .integer(n)
        case .seed:
            guard let n = UInt64(text) else { throw refused("a whole number from 0 to \(UInt64.max)") }
            return .unsigned(n)
        case .real:
            guard let x = Double(text) else { throw refused("a number") }
            return .real(x)
        case .boolean:
            guard let b = Bool(text) else { throw refused("true or false") }
            return .boolean(b)
        case .choice(let words):
            guard words.contains(text) else {
                throw SettingInputError("\(flag) must be one of: \(words.joined(separator: ", "))")
            }
            return .text(text)
        case .sizes:
            if text == "none" { return .sizes([]) }
            let sizes = text.split(separator: ",", omittingEmptySubsequences: false)
                .map { Int($0.filter { !$0.isWhitespace }) }
            guard !sizes.isEmpty, !sizes.contains(nil) else {
                throw refused("comma-separated sizes, e.g. 64,64 (or none, for a linear policy)")
            }
            return .sizes(sizes.map { $0! })
        }
    }

    /// A `train` table's value; nil when it is of the wrong type.
    public func value(fromLua lua: LuaValue) -> SettingValue? {
        switch (kind, lua) {
        case (.count, _): return Self.wholeNumber(lua).map { .integer($0) }
        case (.seed, _): return Self.wholeNumber(lua).flatMap { $0 >= 0 ? .unsigned(UInt64($0)) : nil }
        case (.real, .integer(let n)): return .real(Double(n))
        case (.real, .number(let x)): return .real(x)
        case (.boolean, .boolean(let b)): return .boolean(b)
        case (.choice(let words), .string(let s)) where words.contains(s): return .text(s)
        case (.sizes, .table(let t)) where t.fields.isEmpty:
            let sizes = t.sequence.map(Self.wholeNumber)
            return sizes.contains(nil) ? nil : .sizes(sizes.map { $0! })
        default: return nil
        }
    }

    /// What a `train` table's value must be, for the error that refuses one.
    public var expectation: String {
        switch kind {
        case .count: "a whole number"
        case .seed: "a whole number, at least 0"
        case .real: "a number"
        case .boolean: "true or false"
        case .choice(let words): "one of " + words.map { "\"\($0)\"" }.joined(separator: ", ")
        case .sizes: "a list of layer sizes, e.g. {64, 64}"
        }
    }

    private static func wholeNumber(_ lua: LuaValue) -> Int? {
        switch lua {
        case .integer(let n): return Int(n)
        case .number(let x) where x.rounded() == x && abs(x) < 0x1p62: return Int(x)
        default: return nil
        }
    }
}

/// A flag or `train` value that is not a value of its setting.
public struct SettingInputError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
