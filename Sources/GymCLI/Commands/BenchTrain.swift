import ArgumentParser
import Dispatch
import Environments
import Foundation
import PPO
import Scenarios

struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-train",
        abstract: "Measure training: wall time, steps per second and the learned return, over seeds.",
        discussion: """
        Trains each environment with its recommended settings (its `train` table, then any \
        flags) once per seed, without writing files, then evaluates the policy deterministically \
        for 20 episodes on a separately seeded env. A seed counts as solved when that mean \
        return reaches the env's `reward_threshold`. Each row shows the wall time, steps per \
        second, the rollouts' steps per second, the update's time and its useful GFLOP/s (the \
        matrix products of the forward and backward passes, 2 FLOPs per multiply-add), and the \
        eval return.

          gym bench-train envs/pendulum.lua envs/cartpole.lua --seeds 5
          gym bench-train envs/acrobot.lua --steps 200000 --seeds 3
          gym bench-train envs/pendulum.lua --algorithm sac --seeds 5
        """
    )

    @Argument(help: "Environment scripts (default: pendulum and cartpole in envs/).")
    var scripts: [String] = []

    @Option(help: "Seeds per environment (0, 1, ...).")
    var seeds: Int = 5

    @Option(name: .customLong("eval-episodes"), help: "Deterministic evaluation episodes per trained policy.")
    var evalEpisodes: Int = 20

    @OptionGroup(title: "Training settings") var training: TrainingOptions
    @OptionGroup var limitOptions: LimitOptions

    func validate() throws {
        guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1") }
        guard training.seed == nil else { throw ValidationError("bench-train chooses the seeds; use --seeds N") }
    }

    func run() throws {
        let files = scripts.isEmpty ? ["envs/pendulum.lua", "envs/cartpole.lua"] : scripts
        let limits = limitOptions.limits
        Console.line("Training benchmark: \(seeds) seeds each, deterministic evaluation over \(evalEpisodes) episodes")
        for file in files {
            let probe = try LuaEnvironment(path: file, limits: limits)
            let base = try training.settings(trainTable: probe.spec.train, source: file, deprecated: Console.note)
            let threshold = probe.spec.rewardThreshold
            if base.algorithm.isOffPolicy {
                Console.line("\n\(probe.spec.name): \(base.algorithm.rawValue.uppercased()), \(base.steps) steps, \(base.envs) env(s), "
                      + "hidden \(base.hidden), batch \(base.batchSize), lr \(base.learningRate), learning starts \(base.learningStarts), threads \(base.threads)")
                Console.line("  seed   wall      steps/s   rollout steps/s   update    GFLOP/s   eval return")
            } else {
                Console.line("\n\(probe.spec.name): \(base.steps) steps, \(base.envs) envs x \(base.nSteps), \(base.epochs) epochs of "
                      + "\(base.batchSize), lr \(base.learningRate), \(base.objective.rawValue), threads \(base.threads)")
                Console.line("  seed   wall      steps/s   rollout steps/s   update    GFLOP/s   eval return")
            }
            var walls: [Double] = [], rates: [Double] = [], solved = 0
            for seed in 0..<seeds {
                var settings = base
                settings.seed = UInt64(seed)
                let trainer = try makeTrainer(settings: settings) { _ in try LuaEnvironment(path: file, limits: limits) }
                var last: UpdateReport?
                let policy = try trainer.train { last = $0; return true }
                let result = try ScenarioEvaluation.run(
                    policy: policy, policyPath: file, envScript: file, scenarioPath: nil,
                    options: .init(episodes: evalEpisodes, seed: 1_000_000 + UInt64(seed), limits: limits))
                let rate = Double(policy.stepsTrained) / policy.wallSeconds
                walls.append(policy.wallSeconds)
                rates.append(rate)
                let ok = threshold.map { result.meanReturn >= $0 } ?? false
                if ok { solved += 1 }
                // Rollout: policy forward passes, sampling and env steps; update: GAE excluded, the epochs.
                let rolloutRate = Double(policy.stepsTrained) / max(last?.rolloutSeconds ?? 0, 1e-9)
                let verdict = threshold == nil ? "" : (ok ? "solved" : "not solved")
                // The update's useful work: the matrix products of every gradient step or minibatch.
                var flops = 0.0
                if let offPolicy = trainer as? OffPolicyTrainer {
                    flops = Double(offPolicy.gradientStepsTaken) * offPolicy.flopsPerGradientStep
                } else if let ppo = trainer as? Trainer {
                    flops = ppo.updateFlops
                }
                let gigaflops = flops / max(last?.updateSeconds ?? 0, 1e-9) / 1e9
                // Times to the millisecond: A/B comparisons (scripts/bench-ab) read them.
                Console.line(String(format: "  %-4d %6.3f s  %9.0f   %13.0f   %6.3f s  %7.1f  %9.1f  %@", seed, policy.wallSeconds, rate,
                                    rolloutRate, last?.updateSeconds ?? 0, gigaflops, result.meanReturn, verdict))
            }
            let median = { (values: [Double]) in values.sorted()[values.count / 2] }
            var line = String(format: "  median wall %.2f s, median %.0f steps/s", median(walls), median(rates))
            if let threshold { line += ", solved \(solved)/\(seeds) (threshold \(threshold))" }
            Console.line(line)
        }
    }
}
