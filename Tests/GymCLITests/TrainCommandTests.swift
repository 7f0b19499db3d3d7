import Foundation
import PolicyFile
import Testing

@Suite struct TrainCommandTests {
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

/// Full disks, closed pipes and lost output: every write failure is a message and a status,
/// never a trap, and nothing good is replaced.
@Suite struct OutputFailureTests {
    @Test func aFullDiskForTheLogStopsTrainingCleanly() throws {
        let folder = try temporaryFolder()
        try FileManager.default.createDirectory(atPath: "\(folder)/run", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(folder)/run/progress.jsonl", withDestinationPath: "/dev/full")
        let result = try gym("train", "envs/cartpole.lua", "--steps", "4096", "--out", "\(folder)/out.policy",
                             "--run-dir", "\(folder)/run", "--quiet")
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("\(folder)/run/progress.jsonl: cannot write the training log: No space left on device"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/out.policy"))
    }

    @Test func lostStdoutIsAFailureForRunButTrainingGoesOn() throws {
        for arguments in [["run", "envs/cartpole.lua", "--episodes", "2", "--jsonl"], ["inspect", "policies/cartpole.policy"]] {
            let result = try gymWithStdout(to: "/dev/full", arguments)
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("output to stdout was lost: No space left on device"))
        }
        let folder = try temporaryFolder()
        let train = try gymWithStdout(to: "/dev/full", ["train", "envs/cartpole.lua", "--steps", "2048",
                                                         "--out", "\(folder)/p.policy", "--run-dir", "\(folder)/run"])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(folder)/p.policy"))
    }

    @Test func outputPathsAreCheckedBeforeTraining() throws {
        let folder = try temporaryFolder()
        let file = "\(folder)/afile"
        FileManager.default.createFile(atPath: file, contents: Data())
        for (flag, path, message) in [("--out", "\(file)/x.policy", "cannot create the folder"),
                                      ("--run-dir", "\(file)/run", "cannot create the folder"),
                                      ("--out", "/dev/null", "is not a regular file")] {
            var arguments = ["train", "envs/cartpole.lua", "--steps", "2048", "--quiet", flag, path]
            if flag != "--out" { arguments += ["--out", "\(folder)/ok.policy"] }
            if flag != "--run-dir" { arguments += ["--run-dir", "\(folder)/run"] }
            let result = try gym(arguments)
            #expect(result.status == 1, "\(flag) \(path): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(!result.stderr.contains("update "), "training started before the check: \(result.stderr)")
        }
    }
}

/// gym with its stdout sent to `path` (for /dev/full).
func gymWithStdout(to path: String, _ arguments: [String]) throws -> GymResult {
    let process = Process()
    process.executableURL = gymExecutable
    process.arguments = arguments
    process.currentDirectoryURL = projectRoot
    process.standardOutput = FileHandle(forWritingAtPath: path)
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return GymResult(status: process.terminationStatus, stdout: "", stderr: stderr)
}

/// LuaWatchdog.grace (the CLI tests do not link LuaBridge).
let LuaWatchdogGrace = 5.0

@Suite struct SignalTests {
    /// Ctrl-Z (SIGSTOP) in the middle of a long call, then `fg` seconds later: the call goes on
    /// and finishes. The watchdog counts only time it ran itself, and it was stopped too; it
    /// used to count the wall clock and stop the call as soon as the process came back.
    @Test func aCallInFlightSurvivesTheProcessBeingStopped() async throws {
        let env = try temporaryFile("""
            local env = { name = "SlowReset", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2),
                          max_steps = 3, state = {0} }
            function env:reset(rng)
              local s = 0
              for i = 1, 300000000 do s = s + i end  -- about a second on a fast core
              return {0}
            end
            function env:step(action) return {0}, 1, false end
            return env
            """, name: "slow_reset.lua")
        let process = Process()
        process.executableURL = gymExecutable
        process.arguments = ["run", env, "--episodes", "1", "--max-seconds", "4", "--max-instructions", "0"]
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        try await Task.sleep(nanoseconds: 300_000_000)
        kill(process.processIdentifier, SIGSTOP)
        try await Task.sleep(nanoseconds: 5_000_000_000)
        kill(process.processIdentifier, SIGCONT)
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(stderr)")
    }

    /// A script stuck in an endless loop with no budget and no time limit: SIGTERM still stops
    /// training (the watchdog interrupts the call a second later), and what was trained is kept.
    @Test func sigtermInterruptsAStuckScript() async throws {
        let folder = try temporaryFolder()
        let env = try temporaryFile("""
            local env = { name = "Stuck", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2),
                          max_steps = 50, state = {0} }
            function env:reset(rng) return {0} end
            function env:step(action)
              self.state[1] = self.state[1] + 1
              if self.state[1] >= 600 then while true do end end
              return {0}, 1, false
            end
            return env
            """, name: "stuck.lua")
        let process = Process()
        process.executableURL = gymExecutable
        process.arguments = ["train", env, "--steps", "100000", "--envs", "1", "--n-steps", "128", "--checkpoint-every", "1",
                             "--max-instructions", "0", "--max-seconds", "0", "--quiet",
                             "--out", "\(folder)/out.policy", "--run-dir", "\(folder)/run"]
        process.currentDirectoryURL = projectRoot
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        for _ in 0..<3000 {
            let lines = (try? String(contentsOfFile: "\(folder)/run/progress.jsonl", encoding: .utf8))?.split(separator: "\n").count ?? 0
            if lines >= 4 { break }
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        // Inside the endless step for longer than the watchdog's grace period: the grace
        // counts from the stop request, not from the start of the call.
        try await Task.sleep(nanoseconds: UInt64((LuaWatchdogGrace + 1.5) * 1e9))
        process.terminate()
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("stopping after the current update"), "\(stderr)")
        #expect(stderr.contains("SIGTERM: stopped during a rollout"), "\(stderr)")
        #expect(stderr.contains("interrupted (gym is stopping)"), "\(stderr)")
        #expect(stderr.contains("stuck.lua:6"), "\(stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(folder)/run/partial.policy"))
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/out.policy"))
    }
}
