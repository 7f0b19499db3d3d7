import Environments
import Foundation
import LuaBridge
import Testing

/// Lua's own test suite fails the Nth allocation for every N; so does this, over a shipped
/// env's load, reset and first steps (and a scenario's). Every failure must come back as a
/// clean memory error naming the script, and the state must work normally afterwards.
@Suite struct AllocationFailureTests {
    static let steps = 20

    /// Loads, resets and steps with the Nth allocation failing; returns the error, if one came,
    /// and whether the injected failure struck at all.
    static func attempt(_ n: Int, env path: String, scenario: String?) -> (error: (any Error)?, struck: Bool) {
        var limits = LuaLimits()
        limits.failingAllocation = n
        let env: LuaEnvironment
        do {
            env = try LuaEnvironment(path: path, limits: limits)
            if let scenario { try env.attachScenario(path: scenario) }
        } catch {
            return (error, true)
        }
        var observation = [Double](repeating: 0, count: env.spec.observationSpace.flatSize)
        let action = [Double](repeating: 0, count: env.spec.actionSpace.flatSize)
        var failure: (any Error)?
        do {
            try observation.withUnsafeMutableBufferPointer { obs in
                try env.reset(seed: 1, observation: obs)
                for _ in 0..<steps { _ = try action.withUnsafeBufferPointer { try env.step(action: $0, observation: obs) } }
            }
        } catch {
            failure = error
        }
        let struck = !env.state.allocationFailurePending
        // Healthy afterwards: with injection off, the same env resets and steps normally.
        env.state.failAllocation(after: 0)
        do {
            try observation.withUnsafeMutableBufferPointer { obs in
                try env.reset(seed: 2, observation: obs)
                for _ in 0..<steps { _ = try action.withUnsafeBufferPointer { try env.step(action: $0, observation: obs) } }
            }
        } catch {
            Issue.record("allocation \(n): the env did not recover: \(error)")
        }
        return (failure, struck)
    }

    @Test(arguments: [("pendulum", nil), ("cartpole", "cartpole/push")] as [(String, String?)])
    func everyAllocationCanFail(env name: String, scenario: String?) throws {
        let path = shippedEnv(name)
        let scenarioPath = scenario.map { shippedEnv("../scenarios/\($0)") }
        var n = 1
        var failures = 0
        while true {
            let (error, struck) = Self.attempt(n, env: path, scenario: scenarioPath)
            if !struck { break }  // past the last allocation of the whole run
            if let error {
                failures += 1
                let text = "\(error)"
                let isMemory: Bool
                if case .script(let luaError)? = error as? EnvironmentError {
                    isMemory = luaError.kind == .memoryLimit || luaError.kind == .errorHandling
                } else {
                    isMemory = false
                }
                #expect(isMemory, "allocation \(n): not a memory error: \(text) \(type(of: error))")
                #expect(text.contains(".lua"), "allocation \(n): the message names no script: \(text)")
            }
            n += 1
            if n > 200_000 { Issue.record("no end to the allocations"); break }
        }
        #expect(failures > 100, "only \(failures) allocations were failed")
    }
}
