import ArgumentParser
import Environments
import PPO
import Scenarios

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run episodes of an environment with a trained policy, or random or scripted actions.",
        usage: "gym run <script> [<options>]",
        discussion: """
        --policy acts with a trained policy: the mean (continuous) or the most likely action \
        (discrete), or a sample with --stochastic. Otherwise actions are random (seeded), or \
        the actions of a file (--actions: one action per \
        line, an integer for a discrete space, space-separated numbers for a box; blank lines and \
        lines starting with # are skipped). The file is replayed from its first line in every \
        episode; an episode that outlives the file ends there ("actions exhausted").

        --scenario runs a scenario file's setup(env, ctx) after each reset (to set env.state).

        --jsonl prints one JSON object per line: for each reset
          {"episode":1,"t":0,"obs":[...]}
        and for each step
          {"episode":1,"t":1,"action":...,"obs":[...],"reward":...,
           "terminated":false,"truncated":false}
        (one line each). Without --jsonl, one summary line per episode.

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
        let timeLimit = TimeLimit(declared: definition?.maxSteps ?? spec.maxSteps, cap: TimeLimit.hostCap)
        let scripted = try actions.map { try ActionScript(path: $0, space: spec.actionSpace) }
        let policyRunner = try policy.map { PolicyRunner(policy: try loadPolicy($0, for: spec, script: script).policy) }
        let episodeRunner = EpisodeRunner(env: env, timeLimit: timeLimit)
        var rng = SeededGenerator(seed: SeededGenerator.derive(seed, stream: 2))
        var output = OutputBuffer()
        defer { output.flush() }

        var returns: [Double] = []
        for episode in 1...episodes {
            let ran = try episodeRunner.run(seed: episode == 1 ? seed : nil, act: { observation, action, t in
                if let policyRunner {
                    policyRunner.act(observation, into: action, deterministic: !stochastic, rng: &rng)
                } else if let scripted {
                    guard t < scripted.actions.count else { return false }
                    _ = action.update(fromContentsOf: scripted.actions[t])
                } else {
                    spec.actionSpace.sample(into: action, using: &rng)
                }
                return true
            }, observe: jsonl ? { event in
                switch event {
                case .reset(let observation):
                    output.write(JSONLine.reset(episode: episode, observation: observation))
                case .step(let t, let action, let observation, let outcome, let truncated):
                    output.write(JSONLine.step(episode: episode, t: t, action: action, space: spec.actionSpace,
                                               observation: observation, reward: outcome.reward,
                                               terminated: outcome.terminated, truncated: truncated))
                }
            } : nil)
            returns.append(ran.totalReward)
            if !jsonl {
                output.write("episode \(episode): return \(format(ran.totalReward)) over \(ran.length) steps, "
                             + "\(describe(ran.ending, timeLimit))\n")
            }
        }
        if !jsonl && episodes > 1 {
            let mean = returns.reduce(0, +) / Double(returns.count)
            output.write("\(episodes) episodes of \(spec.name): mean return \(format(mean)), "
                         + "min \(format(returns.min()!)), max \(format(returns.max()!))\n")
        }
    }

    private func format(_ value: Double) -> String { String(format: "%.2f", value) }

    private func describe(_ ending: EpisodeEnding, _ timeLimit: TimeLimit) -> String {
        switch ending {
        case .terminated: "terminated"
        case .failed(let message): "failed: \(message)"
        case .outOfActions: "actions exhausted"
        case .truncated where timeLimit.isCapped:
            "stopped at gym's cap of \(timeLimit.steps) steps (max_steps is \(timeLimit.declared))"
        case .truncated: "truncated (time limit)"
        }
    }
}
