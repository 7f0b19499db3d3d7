/// A failure inside Lua, located in the script: `envs/foo.lua:42: in function 'step': message`.
public struct LuaError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        case syntax
        case runtime
        case memoryLimit
        case instructionBudget
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
