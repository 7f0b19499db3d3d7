import Environments
import Foundation
import LuaBridge
import PolicyFile
import PPO

/// Loads a policy file for use on an env: checks that the spaces fit, and warns (does not fail)
/// when the env script changed since training.
func loadPolicy(_ path: String, for spec: EnvironmentSpec, script: String) throws -> PolicyDocument {
    let document = try PolicyCodec.read(from: path)
    _ = try checked(document.policy, path: path, for: spec, script: script)
    return document
}

/// `policy` if it fits the env; a warning when the script changed since training.
func checked(_ policy: TrainedPolicy, path: String, for spec: EnvironmentSpec, script: String) throws -> TrainedPolicy {
    if let problem = policy.problem(with: spec) { throw CLIError("\(path): \(problem)") }
    if let stored = policy.sourceHash, let current = try? sourceHash(of: script), stored != current {
        Console.error("warning: \(script) changed since \(path) was trained on it (source hash \(current), trained on \(stored))\n")
    }
    return policy
}

func sourceHash(of script: String) throws -> String {
    SourceHash.of(try BoundedFile.read(script, limit: LuaState.maximumScriptSize, what: "script"))
}
