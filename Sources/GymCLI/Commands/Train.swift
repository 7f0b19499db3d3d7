import ArgumentParser
import Environments
import Foundation
import PolicyFile
import PPO
import Scenarios

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a policy on an environment with PPO, DDPG, TD3 or SAC.",
        discussion: """
        Settings come from the built-in defaults, then the env file's `train` table (its \
        recommended settings), then any flags given here. A progress line shows on stderr. The \
        run folder (runs/<env>-<time>/ unless --run-dir) gets a per-update log (every metric, \
        JSON lines or CSV), a TensorBoard event file (tensorboard --logdir runs), monitor.csv \
        in Stable-Baselines3's format, settings.json, run.json and curves.svg. The policy is \
        saved to policies/<env>.policy unless --out. The same seed and settings give the same \
        policy, bit for bit. All settings: docs/training.md; watching runs: docs/watching.md.

        Every --eval-every updates, and after the last, the policy is evaluated \
        deterministically (--eval-episodes episodes on a separately seeded env): logged, shown \
        in the summary, and the best is saved as best.policy. The run folder also holds \
        checkpoint.policy (every --checkpoint-every updates, and on Ctrl-C, which stops \
        training after the current update). --resume continues a checkpoint exactly, in the \
        checkpoint's folder: the logs go on from the checkpoint's step, and the resumed run \
        ends bit-identical to one that was never interrupted.

          gym train envs/pendulum.lua
          gym train envs/cartpole.lua --steps 100000 --seed 3 --out cartpole.policy
          gym train envs/pendulum.lua --objective kl-adaptive --kl-adaptive-target 0.02
          gym train envs/pendulum.lua --algorithm sac --steps 20000
          gym train envs/pendulum.lua --steps 200000 \\
            --resume runs/pendulum-20261124-101500/checkpoint.policy
          gym train envs/cartpole.lua --out policies/cartpole_robust.policy \\
            --scenario scenarios/cartpole/off_center.lua
        """
    )

    @Argument(help: "The environment script.")
    var script: String

    @Option(help: "Where to save the policy (default: policies/<env file name>.policy).")
    var out: String?

    @Option(name: .customLong("run-dir"), help: "Folder for the logs, curves, settings and checkpoints (default: runs/<env>-<time>, or the checkpoint's folder with --resume).")
    var runDirectory: String?

    @Option(name: .customLong("log-format"), help: "Per-update log format: jsonl or csv (default: jsonl, or the resumed run's).")
    var logFormat: String?

    @Flag(inversion: .prefixedNo, help: "Write a TensorBoard event file into the run folder.")
    var tensorboard = true

    @Option(name: .customLong("checkpoint-every"), help: "Save a checkpoint every N updates, and redraw curves.svg if 5 s have passed (0: only at the end and on Ctrl-C). Default: every 10 updates, at least 10,000 steps apart.")
    var checkpointEvery: Int?

    @Option(name: .customLong("eval-every"), help: "Evaluate the policy deterministically every N updates and after the last (0: only after the last); logged, and the best is saved as best.policy. Default: every 10 updates, at least 10,000 steps apart.")
    var evalEvery: Int?

    /// The default cadence of evaluations and checkpoints: every 10 updates, but at least 10,000
    /// steps apart (SB3's evaluation default counts steps). Runs of many small updates (CartPole's
    /// are 256 steps) would otherwise evaluate about as many steps as they train.
    static func defaultInterval(stepsPerUpdate: Int) -> Int {
        max(10, (10_000 + stepsPerUpdate - 1) / max(stepsPerUpdate, 1))
    }

    @Option(name: .customLong("eval-episodes"), help: "Deterministic episodes per evaluation.")
    var evalEpisodes: Int = 5

    @Option(help: "Train under a scenario's params, setup and perturbations (repeatable: env i gets scenario i mod n).")
    var scenario: [String] = []

    @Option(help: "Continue from a checkpoint file (same settings; --steps may grow).")
    var resume: String?

    @Flag(help: "No progress output (the log file and the summary are still written).")
    var quiet = false

    @OptionGroup(title: "Training settings") var training: TrainingOptions
    @OptionGroup var limitOptions: LimitOptions

    func validate() throws {
        if let logFormat, TrainingLog.Format(rawValue: logFormat) == nil { throw ValidationError("--log-format must be jsonl or csv") }
        guard (checkpointEvery ?? 0) >= 0 else { throw ValidationError("--checkpoint-every must be 0 or more") }
        guard (evalEvery ?? 0) >= 0 else { throw ValidationError("--eval-every must be 0 or more") }
        guard evalEpisodes >= 1 else { throw ValidationError("--eval-episodes must be at least 1") }
    }

    func run() throws {
        // Signals are handled from the start: one during set-up stops before training begins.
        let interrupt = InterruptFlag()
        let limits = limitOptions.limits
        Console.stdoutIsNotTheProduct()
        let probe = try LuaEnvironment(path: script, limits: limits)
        // Checkpoints save env.state: an env whose state cannot be saved is refused now, not
        // at its first checkpoint (or, with --checkpoint-every 0, after the whole run).
        var scratch = [Double](repeating: 0, count: probe.spec.observationSpace.flatSize)
        try scratch.withUnsafeMutableBufferPointer { try probe.reset(seed: 0, observation: $0) }
        _ = try probe.captureState()
        var resumeState: (policy: TrainedPolicy, checkpoint: TrainingCheckpoint)?
        var settings = PPOSettings()
        if let resume {
            let document = try loadPolicy(resume, for: probe.spec, script: script)
            guard let checkpoint = document.checkpoint else {
                throw CLIError("\(resume): a policy, not a checkpoint (checkpoints are the run folder's checkpoint.policy)")
            }
            resumeState = (document.policy, checkpoint)
            settings = document.policy.settings
        }
        let requested = resumeState == nil
            ? try training.settings(trainTable: probe.spec.train, source: script, deprecated: Console.note)
            : try training.apply(to: settings, deprecated: Console.note)
        if let resumeState { warnAboutChangedSettings(from: resumeState.policy.settings, to: requested) }
        settings = requested
        if settings.algorithm.isOffPolicy && probe.spec.actionSpace.isDiscrete {
            throw ValidationError("\(settings.algorithm.rawValue) needs box (continuous) actions; \(script) has \(probe.spec.actionSpace) actions: train it with --algorithm ppo")
        }

        let defaultInterval = Self.defaultInterval(stepsPerUpdate: settings.rolloutSize)
        let evalEvery = self.evalEvery ?? defaultInterval
        let checkpointEvery = self.checkpointEvery ?? defaultInterval

        // Every output is checked before the first step: a typo in --out must not cost a run.
        let stem = URL(fileURLWithPath: script).deletingPathExtension().lastPathComponent
        let outPath = out ?? "policies/\(stem).policy"
        try AtomicFile.checkWritable(outPath)
        let runPath = try runFolder(stem: stem)
        let checkpointPath = runPath + "/checkpoint.policy"
        let partialPath = runPath + "/partial.policy"
        try AtomicFile.checkWritable(checkpointPath)
        let hash = try sourceHash(of: script)
        // The run folder's settings, checkpoints and best policy are encoded here and written on
        // a thread of their own: set-up and training go on while the disk syncs them.
        let writer = BackgroundFileWriter()
        // Whatever way this returns or throws, nothing is left half-written behind it.
        defer { try? writer.drain() }
        let recorder = try RunRecorder(
            folder: runPath, script: script, envName: probe.spec.name, sourceHash: hash, settings: settings,
            logFormat: chosenLogFormat(runPath), tensorboard: tensorboard,
            resuming: resumeState.map { .init(update: $0.policy.updates, timesteps: $0.policy.stepsTrained,
                                              episodes: $0.checkpoint.episodesCompleted) },
            writer: writer)
        // On resume, the checkpoint's scenarios unless others are given.
        let scenarios = scenario.isEmpty ? (resumeState?.policy.scenarios ?? []) : scenario
        func identified(_ policy: TrainedPolicy) -> TrainedPolicy {
            var policy = policy
            policy.envScript = script
            policy.sourceHash = hash
            policy.scenarios = scenarios
            return policy
        }

        let trainer = try makeTrainer(settings: settings, resume: resumeState) { index in
            let env = try LuaEnvironment(path: script, limits: limits)
            // Domain randomization: each env runs one of the scenarios in every episode.
            if !scenarios.isEmpty { try env.attachScenario(path: scenarios[index % scenarios.count]) }
            return env
        }
        if interrupt.isRaised {
            Console.errorLine("stopped before training began: nothing was trained")
            throw ExitCode(130)
        }
        var display = ProgressDisplay(quiet: quiet)
        var lastReport: UpdateReport?
        var lastEvaluation: (TrainingEvaluation, update: Int)?
        var evaluator = TrainingEvaluator(script: script, episodes: evalEpisodes, trainingSeed: settings.seed,
                                          limits: limits, declaredMaxSteps: probe.spec.maxSteps)
        // As if drawn at the start: a run shorter than 5 s draws its curves once, at the end.
        var curvesDrawn = Date().timeIntervalSince1970
        /// The checkpoint, and curves.svg redrawn when the last drawing is 5 s old (or `always`,
        /// at the end, which also waits until every file is on disk): drawing costs
        /// milliseconds, which short updates would feel.
        func saveCheckpoint(always: Bool = false) throws {
            try saveCheckpoint(checkpointBytes(), always: always)
        }
        /// The checkpoint of the training as it stands (nil before the first update).
        func checkpointBytes() throws -> [UInt8]? {
            guard let policy = trainer.lastGoodPolicy else { return nil }
            return try PolicyCodec.encode(identified(policy), checkpoint: try trainer.checkpoint())
        }
        func saveCheckpoint(_ bytes: [UInt8]?, always: Bool = false) throws {
            // The logs first: on disk they always reach the checkpoint a resume starts from.
            try recorder.flush()
            guard let bytes else { return }
            try writer.write(bytes, to: checkpointPath)
            // Drawn while the writer syncs the checkpoint.
            let now = Date().timeIntervalSince1970
            if always || now - curvesDrawn >= 5 {
                try recorder.writeCurves()
                curvesDrawn = now
            }
            if always { try writer.drain() }
        }
        /// The policy of an unfinished training goes to the run folder: `--out` (by default the
        /// shipped policy) is replaced only by a training that finished.
        func savePartial(_ policy: TrainedPolicy) -> String {
            do {
                try PolicyCodec.write(identified(policy), to: partialPath)
                return "the policy as of \(policy.stepsTrained) steps was saved to \(partialPath); \(outPath) was left unchanged"
            } catch {
                return "the policy as of \(policy.stepsTrained) steps could not be saved either (\(error)); \(outPath) was left unchanged"
            }
        }

        // An evaluation due after update k (not the last) runs on the trainer's second thread
        // alongside update k + 1's minibatches (which then run on this thread alone: same
        // bits), rather than holding both threads for its milliseconds of env steps. What
        // depends on its result waits for it, in the order it always had: update k's log line,
        // best.policy, then the checkpoint as of update k (encoded before update k + 1 begins),
        // all before anything of update k + 1.
        var pending: PendingEvaluation?
        /// Update `report`'s progress line and log record, with the evaluation of `policy` made
        /// after it if any (best.policy when it is the best so far).
        func log(_ report: UpdateReport, evaluation: TrainingEvaluation?, of policy: TrainedPolicy?) throws {
            display.show(report, evaluation: evaluation)
            if try recorder.record(report, evaluation: evaluation), let policy {
                try writer.write(PolicyCodec.encode(identified(policy)), to: runPath + "/best.policy")
            }
        }
        func finishPendingEvaluation() throws {
            guard let waiting = pending else { return }
            pending = nil
            // Set before the trainer reports again, returns or throws (it waits for the work).
            guard let outcome = waiting.outcome else { return }
            let run = try outcome.get()
            evaluator.noteCap(run.stepCap)
            lastEvaluation = (run.evaluation, waiting.report.update)
            try log(waiting.report, evaluation: run.evaluation, of: waiting.policy)
            if let bytes = waiting.checkpoint { try saveCheckpoint(bytes) }
        }

        let policy: TrainedPolicy
        do {
            policy = try trainer.train { report in
                try finishPendingEvaluation()
                var evaluation: TrainingEvaluation?
                let due = report.update == report.updates || (evalEvery > 0 && report.update % evalEvery == 0)
                if due, report.update < report.updates, !interrupt.isRaised, let current = trainer.lastGoodPolicy {
                    let waiting = PendingEvaluation(report: report, policy: current)
                    if checkpointEvery > 0 && report.update % checkpointEvery == 0 {
                        waiting.checkpoint = try checkpointBytes()
                    }
                    let runner = evaluator, name = "the policy after update \(report.update)"
                    pending = waiting
                    trainer.runAlongsideNextUpdate { waiting.outcome = Result { try runner.run(current, named: name) } }
                    lastReport = report
                    return true
                }
                if due, let current = trainer.lastGoodPolicy {
                    evaluation = try evaluator.evaluate(current, named: "the policy after update \(report.update)")
                    lastEvaluation = (evaluation!, report.update)
                }
                try log(report, evaluation: evaluation, of: trainer.lastGoodPolicy)
                lastReport = report
                if interrupt.isRaised { return false }
                if checkpointEvery > 0 && report.update % checkpointEvery == 0 && report.update < report.updates {
                    try saveCheckpoint()
                }
                return true
            }
        } catch {
            // The evaluation that ran alongside the failed update is logged as it would have been.
            try? finishPendingEvaluation()
            if display.live && !quiet { Console.error("\n") }
            try? recorder.flush()
            try? recorder.writeCurves()
            guard let good = trainer.lastGoodPolicy else { throw error }
            let saved = savePartial(good)
            if interrupt.isRaised {
                // A script call that would not finish was interrupted: no exact checkpoint.
                Console.errorLine("\(interrupt.signalName): stopped during a rollout: \(error)\n\(saved)")
                throw ExitCode(130)
            }
            throw CLIError("\(error)\n(\(saved))")
        }
        try finishPendingEvaluation()
        // Finished means every update ran; a signal that arrives after that changes nothing.
        let finished = policy.updates >= settings.updateCount
        if finished {
            // The logs' last lines, then the policy (a full disk for the logs is a failed run),
            // then the checkpoint: a failing checkpoint cannot lose the policy.
            do {
                try recorder.flush()
            } catch {
                throw CLIError("\(error)\n(\(savePartial(policy)))")
            }
            try PolicyCodec.write(identified(policy), to: outPath)
        }
        do {
            try saveCheckpoint(always: true)
        } catch where finished {
            throw CLIError("\(error)\n(the trained policy was saved to \(outPath))")
        }
        if !finished {
            if display.live && !quiet { Console.error("\n") }
            let saved = savePartial(policy)
            Console.error("""
                \(interrupt.signalName): stopped after \(policy.stepsTrained) steps; checkpoint saved to \(checkpointPath); \(saved)
                resume with: \(resumeCommand(checkpoint: checkpointPath))\n
                """)
            throw ExitCode(130)
        }
        Console.line(summary(policy: policy, report: lastReport, evaluation: lastEvaluation, best: recorder.bestEvaluation,
                             outPath: outPath, runPath: runPath))
    }

    /// `--resume` continues exactly only with the checkpoint's settings; more steps or another
    /// thread count are fine, anything else is allowed but said.
    private func warnAboutChangedSettings(from old: PPOSettings, to new: PPOSettings) {
        var before = old, after = new
        before.steps = 0; after.steps = 0
        before.threads = 1; after.threads = 1
        let changed = before.differences(from: after)
        guard !changed.isEmpty else { return }
        Console.errorLine("warning: resuming with changed settings (\(changed.joined(separator: ", "))): the result will differ from an uninterrupted run")
    }

    /// `--run-dir`; else, when resuming, the checkpoint's own folder (one run, one folder, one
    /// curve); else a new folder under runs/ that no other run has.
    private func runFolder(stem: String) throws -> String {
        if let folder = runDirectory ?? resume.map({ URL(fileURLWithPath: $0).deletingLastPathComponent().path }) {
            try AtomicFile.checkWritable(folder + "/settings.json")
            return folder
        }
        return try RunRecorder.makeUniqueFolder(stem: stem)
    }

    /// `--log-format`, else the format of the log a resumed run already has, else JSON lines.
    private func chosenLogFormat(_ folder: String) -> TrainingLog.Format {
        if let logFormat { return TrainingLog.Format(rawValue: logFormat)! }
        if resume != nil, !FileManager.default.fileExists(atPath: folder + "/progress.jsonl"),
           FileManager.default.fileExists(atPath: folder + "/progress.csv") { return .csv }
        return .jsonl
    }

    /// This command line again, with `--resume` pointing at the checkpoint just saved.
    private func resumeCommand(checkpoint: String) -> String {
        var words = ["gym"]
        var arguments = CommandLine.arguments.dropFirst()[...]
        while let argument = arguments.popFirst() {
            if argument == "--resume" { _ = arguments.popFirst(); continue }
            if argument.hasPrefix("--resume=") { continue }
            words.append(argument)
        }
        words += ["--resume", checkpoint]
        return words.map(Self.shellQuoted).joined(separator: " ")
    }

    static func shellQuoted(_ word: String) -> String {
        let plain = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }
        return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private func summary(policy: TrainedPolicy, report: UpdateReport?, evaluation: (TrainingEvaluation, update: Int)?,
                         best: (meanReturn: Double, update: Int)?, outPath: String, runPath: String) -> String {
        let s = policy.settings
        let method = s.algorithm.isOffPolicy
            ? "\(s.algorithm.rawValue.uppercased()) (\(s.envs) env\(s.envs == 1 ? "" : "s"), batch \(s.batchSize), hidden \(s.hidden), seed \(s.seed))"
            : "PPO (\(s.objective.rawValue), \(s.envs) envs x \(s.nSteps) steps, \(s.epochs) epochs of \(s.batchSize), seed \(s.seed))"
        var text = "Trained \(policy.envName) for \(policy.stepsTrained) steps in "
            + String(format: "%.1f s (%.0f steps/s)", policy.wallSeconds, Double(policy.stepsTrained) / max(policy.wallSeconds, 1e-9))
            + " with \(method)."
        if let report, let ret = report.episodeReturn {
            text += String(format: " Mean return of the last %d episodes: %.1f (min %.1f, max %.1f).",
                           min(report.episodesCompleted, 100), ret.mean, ret.min, ret.max)
        }
        if let (last, update) = evaluation {
            text += String(format: " Deterministic evaluation (%d episodes): %.1f after update %d", last.episodes, last.meanReturn, update)
            if let best { text += String(format: "; best %.1f after update %d (best.policy)", best.meanReturn, best.update) }
            text += "."
        }
        if let report, s.algorithm.isOffPolicy {
            text += String(format: " Last report: critic loss %.3g, actor loss %.3g.", report.statistics.valueLoss, report.statistics.policyLoss)
        } else if let report {
            text += String(format: " Final update: explained variance %.2f, approx KL %.4f, clip fraction %.2f.",
                           report.explainedVariance, report.statistics.approxKL, report.statistics.clipFraction)
        }
        text += " Policy saved to \(outPath); logs, curves.svg, checkpoint and best policy in \(runPath)."
        return text
    }
}

/// An evaluation running alongside the update after `report`'s, with what waits for it: the
/// policy it evaluates (best.policy if it is the best so far) and the checkpoint as of that
/// update, when one was due. `outcome` is written by the trainer's helper thread and read only
/// after the trainer has waited for it.
private final class PendingEvaluation: @unchecked Sendable {
    let report: UpdateReport
    let policy: TrainedPolicy
    var checkpoint: [UInt8]?
    var outcome: Result<EvaluationRun, Error>?

    init(report: UpdateReport, policy: TrainedPolicy) {
        self.report = report
        self.policy = policy
    }
}
