import ArgumentParser
import Environments
import PPO
import Scenarios

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run episodes of an environment with a trained policy, or random or scripted actions.",
        discussion: """
        --policy acts with a trained policy: the mean (continuous) or the most likely action
        (discrete), or a sample with --stochastic. Otherwise actions are random (seeded), or
        the actions of a file (--actions: one action per
        line, an integer for a discrete space, space-separated numbers for a box; blank lines and
        lines starting with # are skipped). The file is replayed from its first line in every
        episode; an episode that outlives the file ends there ("actions exhausted").

        --scenario runs a scenario file's setup(env, ctx) after each reset (to set env.state).

        --jsonl prints one JSON object per line: for each reset
          {"episode":1,"t":0,"obs":[...]}
        and for each step
          {"episode":1,"t":1,"action":...,"obs":[...],"reward":...,"terminated":false,"truncated":false}
        Without it, one summary line per episode.

          gym run envs/pendulum.lua --policy policies/pendulum.policy --episodes 5
          gym run envs/cartpole.lua --episodes 3 --seed 7 --jsonl
          gym run envs/pendulum.lua --actions actions.txt --scenario s.lua --jsonl
        """
    )

    @Argument(help: "The environment script.")
    var script: String

    @Option(help: "Episodes to run.")
    var episodes: Int = 1

    @Option(help: "Seed for the first reset (later resets continue its stream) and for random actions.")
    var seed: UInt64 = 0

    @Option(help: "File of scripted actions, one per line.")
    var actions: String?

    @Option(help: "A trained policy file to act with.")
    var policy: String?

    @Flag(help: "With --policy: sample actions instead of taking the most likely one.")
    var stochastic = false

    @Option(help: "Scenario file whose setup(env, ctx) runs after each reset.")
    var scenario: String?

    @Flag(help: "Print one JSON object per reset and per step.")
    var jsonl = false

    @OptionGroup var limitOptions: LimitOptions

    func validate() throws {
        guard episodes >= 1 else { throw ValidationError("--episodes must be at least 1") }
        guard policy == nil || actions == nil else { throw ValidationError("--policy and --actions exclude each other") }
        guard policy != nil || !stochastic else { throw ValidationError("--stochastic needs --policy") }
    }

    func run() throws {
        let env = try LuaEnvironment(path: script, limits: limitOptions.limits)
        let definition = try scenario.map { try env.attachScenario(path: $0) }
        let spec = env.spec
        // The same cap as evaluation: an env that never ends must not run forever.
        let declaredSteps = definition?.maxSteps ?? spec.maxSteps
        let maxSteps = min(declaredSteps, ScenarioEvaluation.defaultMaxEpisodeSteps)
        let scripted = try actions.map { try ActionScript(path: $0, space: spec.actionSpace) }
        let runner = try policy.map { PolicyRunner(policy: try loadPolicy($0, for: spec, script: script).policy) }
        var rng = SeededGenerator(seed: SeededGenerator.derive(seed, stream: 2))
        var output = OutputBuffer()
        defer { output.flush() }

        var observation = [Double](repeating: 0, count: spec.observationSpace.flatSize)
        var action = [Double](repeating: 0, count: spec.actionSpace.flatSize)
        var returns: [Double] = []
        for episode in 1...episodes {
            try observation.withUnsafeMutableBufferPointer { obs in
                try env.reset(seed: episode == 1 ? seed : nil, observation: obs)
            }
            if jsonl { output.write(JSONLine.reset(episode: episode, observation: observation)) }
            var episodeReturn = 0.0
            var t = 0
            var ending = "truncated (time limit)"
            while true {
                if let runner {
                    observation.withUnsafeBufferPointer { obs in
                        action.withUnsafeMutableBufferPointer {
                            runner.act(obs, into: $0, deterministic: !stochastic, rng: &rng)
                        }
                    }
                } else if let scripted {
                    guard t < scripted.actions.count else { ending = "actions exhausted"; break }
                    action = scripted.actions[t]
                } else {
                    action.withUnsafeMutableBufferPointer { spec.actionSpace.sample(into: $0, using: &rng) }
                }
                let outcome = try observation.withUnsafeMutableBufferPointer { obs in
                    try action.withUnsafeBufferPointer { try env.step(action: $0, observation: obs) }
                }
                t += 1
                episodeReturn += outcome.reward
                let truncated = !outcome.terminated && t >= maxSteps
                if jsonl {
                    output.write(JSONLine.step(episode: episode, t: t, action: action, space: spec.actionSpace,
                                               observation: observation, reward: outcome.reward,
                                               terminated: outcome.terminated, truncated: truncated))
                }
                if let failure = outcome.failure { ending = "failed: \(failure)"; break }
                if outcome.terminated { ending = "terminated"; break }
                if truncated {
                    if maxSteps < declaredSteps { ending = "stopped at gym's cap of \(maxSteps) steps (max_steps is \(declaredSteps))" }
                    break
                }
            }
            returns.append(episodeReturn)
            if !jsonl {
                output.write("episode \(episode): return \(format(episodeReturn)) over \(t) steps, \(ending)\n")
            }
        }
        if !jsonl && episodes > 1 {
            let mean = returns.reduce(0, +) / Double(returns.count)
            output.write("\(episodes) episodes of \(spec.name): mean return \(format(mean)), "
                         + "min \(format(returns.min()!)), max \(format(returns.max()!))\n")
        }
    }

    private func format(_ value: Double) -> String { String(format: "%.2f", value) }
}
