import Foundation
import PolicyFile
import Testing

/// `gym train --algorithm ddpg|td3|sac` as a user runs it: the env file's sub-table, the files a
/// run writes, a policy that `inspect`, `run` and `eval` take, `--resume`, and refusals.
@Suite struct OffPolicyCommandTests {
    let small = ["--n-steps", "200", "--learning-starts", "200", "--hidden", "16,16", "--batch-size", "32", "--quiet"]

    @Test func sacTrainsFromTheEnvFilesSubTableAndThePolicyWorksEverywhere() throws {
        let folder = try temporaryFolder()
        let policy = "\(folder)/sac.policy"
        let trained = try gym(["train", "envs/pendulum.lua", "--algorithm", "sac", "--steps", "600", "--out", policy,
                               "--run-dir", "\(folder)/run"] + small)
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stdout.contains("Trained Pendulum for 600 steps") && trained.stdout.contains("with SAC"), "\(trained.stdout)")
        let settings = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: "\(folder)/run/settings.json"))) as! [String: Any]
        // envs/pendulum.lua's `sac` sub-table sets the learning rate; flags win over it.
        #expect(settings["algorithm"] as? String == "sac" && settings["learning_rate"] as? Double == 1e-3)
        #expect(settings["steps"] as? Int == 600 && settings["activation"] as? String == "relu")
        let lines = try jsonLines(String(contentsOfFile: "\(folder)/run/progress.jsonl", encoding: .utf8))
        #expect(lines.map { $0["timesteps"] as! Int } == [200, 400, 600])
        #expect(FileManager.default.fileExists(atPath: "\(folder)/run/checkpoint.policy"))

        let inspected = try gym("inspect", policy)
        #expect(inspected.stdout.contains("tanh-squashed Gaussian policy over 1 action value"), "\(inspected.stdout)")
        #expect(inspected.stdout.contains("actor and twin critics") && inspected.stdout.contains("critic2.0.weight"))
        let run = try gym("run", "envs/pendulum.lua", "--policy", policy, "--episodes", "1", "--jsonl")
        #expect(run.status == 0, "\(run.stderr)")
        let actions = try jsonLines(run.stdout).compactMap { $0["action"] as? [Double] }
        #expect(actions.count == 200 && actions.allSatisfy { abs($0[0]) <= 2 })
        let evaluated = try gym("eval", policy, "--scenario", "scenarios/pendulum/upright.lua")
        #expect(evaluated.status == 0 || evaluated.status == 1, "\(evaluated.stderr)")
        #expect(evaluated.stdout.contains("upright"))
    }

    /// Stopped after 400 steps and resumed to 600 through the checkpoint file: the same bits as
    /// 600 steps in one go (TD3, so the delayed actor's step count crosses the checkpoint).
    @Test func resumeContinuesAnOffPolicyRunExactly() throws {
        let folder = try temporaryFolder()
        let whole = try gym(["train", "envs/pendulum.lua", "--algorithm", "td3", "--steps", "600", "--out", "\(folder)/whole.policy",
                             "--run-dir", "\(folder)/whole"] + small)
        #expect(whole.status == 0, "\(whole.stderr)")
        let first = try gym(["train", "envs/pendulum.lua", "--algorithm", "td3", "--steps", "400", "--out", "\(folder)/first.policy",
                             "--run-dir", "\(folder)/split"] + small)
        #expect(first.status == 0, "\(first.stderr)")
        let resumed = try gym(["train", "envs/pendulum.lua", "--algorithm", "td3", "--steps", "600", "--threads", "1",
                               "--out", "\(folder)/resumed.policy", "--resume", "\(folder)/split/checkpoint.policy"] + small)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let a = try PolicyCodec.read(from: "\(folder)/whole.policy").policy
        let b = try PolicyCodec.read(from: "\(folder)/resumed.policy").policy
        #expect(a.parameters == b.parameters && a.stepsTrained == 600 && b.stepsTrained == 600)
    }

    @Test func aDiscreteEnvOrABadSettingIsOneClearMessageBeforeTraining() throws {
        let discrete = try gym("train", "envs/cartpole.lua", "--algorithm", "sac", "--quiet")
        #expect(discrete.status == 64)
        #expect(discrete.stderr.contains("sac needs box (continuous) actions; envs/cartpole.lua has Discrete(2) actions: train it with --algorithm ppo"),
                "\(discrete.stderr)")
        for (flags, message) in [(["--tau", "0"], "tau must be in (0, 1]"),
                                 (["--buffer-size", "10"], "batch_size (256) exceeds buffer_size (10)"),
                                 (["--algorithm", "dqn"], "--algorithm must be one of: ppo, ddpg, td3, sac")] {
            let result = try gym(["train", "envs/pendulum.lua", "--algorithm", "td3", "--quiet"] + flags)
            #expect(result.status == 64, "\(flags)")
            #expect(result.stderr.contains(message), "\(flags): \(result.stderr)")
        }
    }
}
