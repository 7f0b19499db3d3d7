import Environments
import Foundation
import TestScratch

/// The repository's root, for the shipped envs/.
let projectRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func shippedEnv(_ name: String) -> String { projectRoot.appendingPathComponent("envs/\(name).lua").path }

/// Writes `source` to a fresh temporary file named `name` and returns its path.
func temporaryScript(_ source: String, name: String = "env.lua") throws -> String {
    let folder = try TestScratch.folder("env")
    let url = folder.appendingPathComponent(name)
    try source.write(to: url, atomically: false, encoding: .utf8)
    return url.path
}

/// A small valid env to break in one place at a time.
func countingEnv(step: String = "self.t = self.t + 1; return {self.t / 100}, 1.0, self.t >= 50",
                 reset: String = "self.t = 0; return {0.0}",
                 observationSpace: String = "gym.box({0}, {1})",
                 extra: String = "") -> String {
    // The counter lives in self.state (written self.t in the snippets), as checkpoints need.
    func stateful(_ code: String) -> String { code.replacingOccurrences(of: "self.t", with: "self.state[1]") }
    return """
    local env = {
      name = "Counter",
      observation_space = \(observationSpace),
      action_space = gym.discrete(2),
      max_steps = 100, state = {0},
    }
    function env:reset(rng)
      \(stateful(reset))
    end
    function env:step(action)
      \(stateful(step))
    end
    \(extra)
    return env
    """
}

extension LuaEnvironment {
    /// Resets and returns the observation as an array.
    func resetObservation(seed: UInt64?) throws -> [Double] {
        var observation = [Double](repeating: .nan, count: spec.observationSpace.flatSize)
        try observation.withUnsafeMutableBufferPointer { try reset(seed: seed, observation: $0) }
        return observation
    }

    /// Steps with `action` and returns the observation with the outcome.
    func step(_ action: [Double]) throws -> (observation: [Double], outcome: StepOutcome) {
        var observation = [Double](repeating: .nan, count: spec.observationSpace.flatSize)
        let outcome = try observation.withUnsafeMutableBufferPointer { obs in
            try action.withUnsafeBufferPointer { try step(action: $0, observation: obs) }
        }
        return (observation, outcome)
    }
}
