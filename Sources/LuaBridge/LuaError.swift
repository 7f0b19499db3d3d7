/// A failure inside Lua, located in the script: `envs/foo.lua:42: in function 'step': message`.
public struct LuaError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        case syntax
        case runtime
        case memoryLimit
        case instructionBudget
        /// The call ran past its time limit (`LuaLimits.secondsPerCall`, the calling thread's CPU time).
        case timeLimit
        /// gym is stopping (Ctrl-C or a termination signal) while the script ran.
        case interrupted
        /// A value crossing into the host is cyclic or too large to copy.
        case conversion
        /// The error handler itself failed (usually memory exhausted while reporting an error).
        case errorHandling
    }

    public var kind: Kind
    /// The script's name as Lua shows it (its path, as given when loading).
    public var source: String
    public var line: Int?
    /// The innermost function that failed, or the host's entry point into the script.
    public var function: String?
    public var message: String
    /// Lua's stack traceback, when one was taken.
    public var traceback: String?

    public init(kind: Kind, source: String, line: Int? = nil, function: String? = nil,
                message: String, traceback: String? = nil) {
        self.kind = kind
        self.source = source
        self.line = line
        self.function = function
        self.message = message
        self.traceback = traceback
    }

    public var description: String {
        var location = source
        if let line { location += ":\(line)" }
        if let function { return "\(location): in function '\(function)': \(message)" }
        return "\(location): \(message)"
    }
}

extension LuaError {
    /// The error with `function` filled in when it names none.
    public func located(function name: String) -> LuaError {
        var copy = self
        if copy.function == nil { copy.function = name }
        return copy
    }

    /// The longest script-supplied text a message keeps.
    public static let maximumMessageLength = 2000

    /// `text` made safe to print and to embed in XML: control characters (escape sequences
    /// that could drive the terminal, NULs that XML forbids) are shown as `\u{1B}`, and text
    /// longer than `maximumMessageLength` is cut.
    /// With `singleLine`, newlines and tabs are escaped too (for names).
    public static func printable(_ text: String, limit: Int = maximumMessageLength, singleLine: Bool = false) -> String {
        var result = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= limit {
                result += "… (cut at \(limit) characters)"
                break
            }
            let isControl = scalar.value < 0x20 && (singleLine || (scalar != "\n" && scalar != "\t"))
            if isControl || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{FFFE}" || scalar == "\u{FFFF}" {
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return result
    }
}
