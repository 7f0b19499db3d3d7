// Loads the shipped pendulum policy, runs one episode of envs/pendulum.lua with it, and checks
// the policy against a scenario: gym's main jobs, from Swift.
//
//     cd Examples && swift run RunPendulum [path to the gym checkout, default ..]
import Foundation
import GymKit

let gymFolder = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : ".."
let script = gymFolder + "/envs/pendulum.lua"

do {
    let env = try GymEnvironment(script: script)
    let policy = try GymPolicy(contentsOf: gymFolder + "/policies/pendulum.policy")
    print("\(env.name): observations \(env.observationSpace), actions \(env.actionSpace), \(env.maxSteps) steps")
    print("policy: trained for \(policy.stepsTrained) steps, hidden layers \(policy.hiddenLayers)")

    // One episode, step by step.
    var observation = try env.reset(seed: 0)
    var total = 0.0, steps = 0
    while true {
        let step = try env.step(try policy.act(observation))
        total += step.reward
        steps += 1
        if step.isDone { break }
        observation = step.observation
    }
    print("episode (seed 0): return \(String(format: "%.1f", total)) in \(steps) steps")

    // The same check `gym eval --scenario` runs.
    let result = try GymEvaluation.evaluate(policy, env: script, scenario: gymFolder + "/scenarios/pendulum/upright.lua")
    print("scenario \(result.scenarioName): \(result.episodes.filter(\.passed).count) of \(result.episodes.count) episodes passed: \(result.passed ? "PASS" : "FAIL")")
    exit(result.passed ? 0 : 1)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(2)
}
