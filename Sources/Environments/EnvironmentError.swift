import LuaBridge

/// Everything that can go wrong with an environment script, as one readable line.
public enum EnvironmentError: Error, CustomStringConvertible {
    /// The script raised a Lua error (syntax, runtime, memory cap, instruction budget).
    case script(LuaError)
    /// The script file cannot be read.
    case file(LuaFileError)
    /// The script broke the environment contract: a missing field, a wrong return value.
    case contract(script: String, function: String?, message: String)
    /// The script produced NaN or infinity in an observation or reward.
    case nonFinite(script: String, function: String, message: String)

    public var description: String {
        switch self {
        case .script(let error): return error.description
        case .file(let error): return error.description
        case .contract(let script, let function, let message):
            if let function { return "\(script): in function '\(function)': \(message)" }
            return "\(script): \(message)"
        case .nonFinite(let script, let function, let message):
            return "\(script): in function '\(function)': \(message)"
        }
    }

    /// Wraps errors from the bridge; passes environment errors through.
    static func wrap(_ error: any Error) -> EnvironmentError {
        switch error {
        case let error as EnvironmentError: return error
        case let error as LuaError: return .script(error)
        case let error as LuaFileError: return .file(error)
        default: return .contract(script: "?", function: nil, message: "\(error)")
        }
    }
}
