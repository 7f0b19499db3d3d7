import ArgumentParser
import Environments
import Foundation
import PolicyFile
import PPO
import Recording
import Scenarios

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
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

        --record FILE records the episodes; the extension picks the format. .html: one \
        self-contained page that plays them (play/pause, scrubber, the step's observation, \
        action and reward). .svg: a still of one step (--frame N, default the last; in the \
        last episode). .mp4 and .gif: a video at 30 states a second, made by ffmpeg (Debian \
        package ffmpeg). The picture is the env's render(draw, last) (docs/environments.md); an \
        env without one is shown as its observation, action and reward traces. Recording never \
        changes the episodes. A bad recording (an error in render, an unknown extension, an \
        unwritable path) exits 2 and writes nothing.

          gym run envs/pendulum.lua --policy policies/pendulum.policy --episodes 5
          gym run envs/cartpole.lua --episodes 3 --seed 7 --jsonl
          gym run envs/pendulum.lua --actions actions.txt --scenario s.lua --jsonl
          gym run envs/pendulum.lua --policy policies/pendulum.policy --record pendulum.html
          gym run envs/cartpole.lua --policy policies/cartpole.policy --record still.svg --frame 100
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

    @Option(help: "Record the episodes to FILE: .html (a player), .svg (a still of one step), .mp4 or .gif (ffmpeg).")
    var record: String?

    @Option(help: "With --record FILE.svg: the step to draw (default: the last step of the last episode).")
    var frame: Int?

    @OptionGroup var limitOptions: LimitOptions

    func validate() throws {
        guard episodes >= 1 else { throw ValidationError("--episodes must be at least 1") }
        guard policy == nil || actions == nil else { throw ValidationError("--policy and --actions exclude each other") }
        guard policy != nil || !stochastic else { throw ValidationError("--stochastic needs --policy") }
        if let frame { guard frame >= 0 else { throw ValidationError("--frame must be 0 or more") } }
        guard frame == nil || record?.lowercased().hasSuffix(".svg") == true else { throw ValidationError("--frame needs --record FILE.svg") }
    }

    /// A recording's output format, from its file's extension.
    enum RecordFormat: String, CaseIterable { case html, svg, mp4, gif }

    func run() throws {
        guard let record else { return try runEpisodes(recorder: nil) }
        // Bad recording input is exit 2, checked before any episode runs.
        let format: RecordFormat
        do {
            let ext = URL(fileURLWithPath: record).pathExtension.lowercased()
            guard let known = RecordFormat(rawValue: ext) else {
                throw RecordingError("\(record): cannot tell the format from the extension \(ext.isEmpty ? "(none)" : "." + ext); use .html, .svg, .mp4 or .gif")
            }
            format = known
            try AtomicFile.checkWritable(record)
        } catch {
            Console.errorLine("Error: \(error)")
            throw ExitCode(2)
        }
        let env = try LuaEnvironment(path: script, limits: limitOptions.limits)
        let recorder = EpisodeRecorder(env: env, script: script, actor: policy ?? (actions.map { "actions from \($0)" } ?? "random actions"))
        do {
            try runEpisodes(env: env, recorder: recorder)
            let recording = recorder.recording
            let text: String
            switch format {
            case .mp4, .gif:
                try VideoWriter.write(recording, to: record, format: format == .mp4 ? .mp4 : .gif)
                return
            case .html:
                text = HTMLPlayer.page(recording)
            case .svg:
                let episode = recording.episodes[recording.episodes.count - 1]
                let index = frame ?? episode.steps.count - 1
                guard index < episode.steps.count else {
                    throw RecordingError("--frame \(index): the last episode has steps 0 to \(episode.steps.count - 1)")
                }
                let picture = episode.steps[index].frame ?? TraceView.frame(episode, upTo: index)
                text = FrameSVG.document(picture, title: "\(recording.envName), step \(episode.steps[index].t)")
            }
            try AtomicFile.write(Array(text.utf8), to: record)
        } catch let error as RecordingError {
            Console.errorLine("Error: \(error)")
            throw ExitCode(2)
        } catch let error as PolicyFileError {
            // The page could not be written (a full disk): the old file, if any, is untouched.
            Console.errorLine("Error: \(error)")
            throw ExitCode(2)
        }
    }

    private func runEpisodes(env given: LuaEnvironment? = nil, recorder: EpisodeRecorder?) throws {
        let env = try given ?? LuaEnvironment(path: script, limits: limitOptions.limits)
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
            let recordStep = recorder?.observer(episode: episode)
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
            }, observe: jsonl || recordStep != nil ? { event in
                try recordStep?(event)
                guard jsonl else { return }
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
            recorder?.finish(totalReward: ran.totalReward, ending: describe(ran.ending, timeLimit))
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
