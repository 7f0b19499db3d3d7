import Foundation
import PolicyFile
import Testing

@Suite struct TrainCommandTests {
    func temporaryFolder() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gym-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    func policyParameters(_ path: String) throws -> [Float] {
        try PolicyCodec.read(from: path).policy.parameters
    }

    @Test func trainWritesPolicyLogAndSummaryAndRunActsWithThePolicy() throws {
        let folder = try temporaryFolder()
        let result = try gym("train", "envs/cartpole.lua", "--steps", "2048", "--seed", "3",
                             "--out", "\(folder)/cp.policy", "--run-dir", "\(folder)/run")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Trained CartPole for 2048 steps"))
        #expect(result.stdout.contains("Policy saved to \(folder)/cp.policy"))
        // Not a terminal: plain progress lines, the last one for the last update.
        #expect(result.stderr.contains("update 8/8"))
        let lines = try jsonLines(String(contentsOfFile: "\(folder)/run/progress.jsonl", encoding: .utf8))
        #expect(lines.count == 8)
        for key in ["timesteps", "wall_time", "steps_per_second", "episode_return_mean", "episode_length_mean",
                    "policy_loss", "value_loss", "entropy", "approx_kl", "clip_fraction", "explained_variance",
                    "kl_coef", "learning_rate"] {
            #expect(lines.last?[key] != nil, "missing \(key)")
        }
        #expect(lines.map { $0["timesteps"] as! Int } == (1...8).map { $0 * 256 })
        let settings = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: "\(folder)/run/settings.json"))) as! [String: Any]
        // From the env file's train table, then the flags.
        #expect(settings["n_steps"] as? Int == 32 && settings["epochs"] as? Int == 20 && settings["seed"] as? Int == 3)

        let run = try gym("run", "envs/cartpole.lua", "--policy", "\(folder)/cp.policy", "--episodes", "2")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("2 episodes of CartPole"))
    }

    @Test func sameSeedGivesTheSameParametersAndCSVLogsHaveAHeader() throws {
        let folder = try temporaryFolder()
        for name in ["a", "b"] {
            let result = try gym("train", "envs/pendulum.lua", "--steps", "1024", "--n-steps", "256", "--seed", "9",
                                 "--out", "\(folder)/\(name).policy", "--run-dir", "\(folder)/\(name)", "--log-format", "csv")
            #expect(result.status == 0, "\(result.stderr)")
        }
        #expect(try policyParameters("\(folder)/a.policy") == policyParameters("\(folder)/b.policy"))
        let csv = try String(contentsOfFile: "\(folder)/a/progress.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.first?.hasPrefix("update,timesteps,wall_time") == true)
        #expect(csv.count == 2)
    }

    @Test func unknownTrainKeyInTheEnvFileIsAClearError() throws {
        let source = try String(contentsOfFile: projectRoot.appendingPathComponent("envs/cartpole.lua").path, encoding: .utf8)
        let env = try temporaryFile(source.replacingOccurrences(of: "learning_rate =", with: "lerning_rate ="), name: "cp.lua")
        let result = try gym("train", env, "--steps", "256", "--run-dir", try temporaryFolder())
        #expect(result.status != 0)
        #expect(result.stderr.contains("cp.lua: train.lerning_rate is not a setting"))
    }

    @Test func badFlagsAreRejectedBeforeTraining() throws {
        let objective = try gym("train", "envs/pendulum.lua", "--objective", "trust-me")
        #expect(objective.status != 0)
        #expect(objective.stderr.contains("--objective must be one of: clip, kl-adaptive, kl-fixed, none"))
        let batch = try gym("train", "envs/pendulum.lua", "--batch-size", "100000")
        #expect(batch.stderr.contains("batch_size (100000) exceeds a rollout"))
    }

    /// A NaN reward from the script mid-training: one message naming script, function and where
    /// in the episode; the last good policy is saved; the exit code is non-zero.
    @Test func nanRewardStopsTrainingAndKeepsTheLastGoodPolicy() throws {
        let folder = try temporaryFolder()
        let env = try temporaryFile("""
            local env = { name = "Flaky", observation_space = gym.box({-1}, {1}),
                          action_space = gym.discrete(2), max_steps = 50, state = {0} }
            function env:reset(rng) return {0.0} end
            function env:step(action)
              self.state[1] = self.state[1] + 1
              if self.state[1] == 700 then return {0.0}, 0/0, false end
              return {0.0}, 1.0, false
            end
            return env
            """, name: "flaky.lua")
        let result = try gym("train", env, "--steps", "4096", "--envs", "1", "--n-steps", "256", "--batch-size", "64",
                             "--out", "\(folder)/flaky.policy", "--run-dir", "\(folder)/run")
        #expect(result.status != 0)
        #expect(result.stderr.contains("flaky.lua"), "\(result.stderr)")
        #expect(result.stderr.contains("non-finite reward"))
        #expect(result.stderr.contains("the policy as of 512 steps was saved to \(folder)/run/partial.policy"), "\(result.stderr)")
        // --out is written only by a training that finished.
        #expect(result.stderr.contains("\(folder)/flaky.policy was left unchanged"))
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/flaky.policy"))
        #expect(FileManager.default.fileExists(atPath: "\(folder)/run/partial.policy"))
    }

    @Test func runRejectsAPolicyForAnotherEnvironment() throws {
        let folder = try temporaryFolder()
        let train = try gym("train", "envs/pendulum.lua", "--steps", "256", "--n-steps", "64",
                            "--out", "\(folder)/p.policy", "--run-dir", "\(folder)/run")
        #expect(train.status == 0, "\(train.stderr)")
        let run = try gym("run", "envs/cartpole.lua", "--policy", "\(folder)/p.policy")
        #expect(run.status != 0)
        #expect(run.stderr.contains("the policy takes 3 observation values, CartPole gives 4"))
    }
}
