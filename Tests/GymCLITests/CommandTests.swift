import Foundation
import Testing

@Suite struct CommandTests {
    @Test func envsListsTheShippedEnvironments() throws {
        let result = try gym("envs")
        #expect(result.status == 0)
        for name in ["Pendulum", "CartPole", "MountainCarContinuous", "Acrobot"] {
            #expect(result.stdout.contains("name:        \(name)"))
        }
        #expect(result.stdout.contains("action:      Discrete(2)"))
        #expect(result.stdout.contains("max steps:   999"))
    }

    @Test func checkPassesShippedEnvsWithExitCodeZero() throws {
        let result = try gym("check", "envs/pendulum.lua", "envs/cartpole.lua")
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.components(separatedBy: "all 14 checks passed").count == 3)
        #expect(!result.stdout.contains("FAIL"))
    }

    @Test func checkFailsABrokenEnvWithExitCodeOne() throws {
        let broken = try temporaryFile("""
            local env = { name = "Broken", observation_space = gym.box({0}, {1}),
                          action_space = gym.discrete(2), max_steps = 10, state = {} }
            function env:reset(rng) return {rng:uniform()} end
            function env:step(action) return {2.0}, 0.0, false end
            return env
            """, name: "broken.lua")
        let result = try gym("check", broken)
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAIL  observations stay inside the observation space: step 1: observation [2.0]"))
        #expect(result.stdout.contains("1 of 12 checks failed"))
    }

    @Test func runJSONLinesDescribeEveryResetAndStep() throws {
        let result = try gym("run", "envs/cartpole.lua", "--episodes", "3", "--seed", "7", "--jsonl")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try jsonLines(result.stdout)
        let resets = lines.filter { ($0["t"] as? Int) == 0 }
        #expect(resets.count == 3)
        #expect(resets.map { $0["episode"] as? Int } == [1, 2, 3])
        for line in lines where (line["t"] as? Int) != 0 {
            #expect(Set(line.keys) == ["episode", "t", "action", "obs", "reward", "terminated", "truncated"])
            #expect((line["obs"] as? [Double])?.count == 4)
            #expect([0, 1].contains(line["action"] as? Int))
        }
        // Every episode ends exactly once, by termination or truncation.
        let endings = lines.filter { ($0["terminated"] as? Bool) == true || ($0["truncated"] as? Bool) == true }
        #expect(endings.count == 3)
        // Same seed, same output, byte for byte.
        #expect(try gym("run", "envs/cartpole.lua", "--episodes", "3", "--seed", "7", "--jsonl").stdout == result.stdout)
        #expect(try gym("run", "envs/cartpole.lua", "--episodes", "3", "--seed", "8", "--jsonl").stdout != result.stdout)
    }

    @Test func pendulumTruncatesAtItsTimeLimit() throws {
        let lines = try jsonLines(try gym("run", "envs/pendulum.lua", "--jsonl").stdout)
        #expect(lines.count == 201)
        #expect(lines.last?["truncated"] as? Bool == true)
        #expect(lines.last?["terminated"] as? Bool == false)
    }

    @Test func scriptedActionsAndScenarioDriveTheEpisode() throws {
        let actions = try temporaryFile("# torques\n2.0\n-2.0\n\n0.5\n", name: "actions.txt")
        let scenario = try temporaryFile("""
            return { setup = function(env, ctx) env.state = { math.pi, 0.0 } end }
            """, name: "hanging.lua")
        let result = try gym("run", "envs/pendulum.lua", "--actions", actions, "--scenario", scenario, "--jsonl")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try jsonLines(result.stdout)
        #expect(lines.count == 4)
        let start = try #require(lines[0]["obs"] as? [Double])
        #expect(abs(start[0] + 1) < 1e-12 && abs(start[1]) < 1e-12 && start[2] == 0)
        #expect(lines[1...].map { ($0["action"] as? [Double])?.first } == [2.0, -2.0, 0.5])
        // Hanging straight down with torque +2 for one step: Gymnasium's update by hand.
        let thdot = (3 * 10 / 2.0 * sin(Double.pi) + 3.0 * 2.0) * 0.05
        let obs = try #require(lines[1]["obs"] as? [Double])
        #expect(obs[2] == thdot)
        // (1e-15: the compiler may fold this cos at build time, a last-bit difference.)
        #expect(abs(obs[0] - cos(Double.pi + thdot * 0.05)) < 1e-15)
        let summary = try gym("run", "envs/pendulum.lua", "--actions", actions)
        #expect(summary.stdout.contains("over 3 steps, actions exhausted"))
    }

    @Test func badActionsFileIsAClearError() throws {
        let actions = try temporaryFile("1\n7\n", name: "bad.txt")
        let result = try gym("run", "envs/cartpole.lua", "--actions", actions)
        #expect(result.status != 0)
        #expect(result.stderr.contains("bad.txt:2: expected one integer action in 0..<2, found '7'"))
    }

    @Test func brokenEnvGivesOneReadableErrorAndNonZeroExit() throws {
        let broken = try temporaryFile("""
            local env = { name = "Bad", observation_space = gym.box({0}, {1}),
                          action_space = gym.discrete(2), max_steps = 10 }
            function env:reset(rng) return {0} end
            function env:step(action)
              return {self.missing.x}, 0, false
            end
            return env
            """, name: "bad_env.lua")
        let result = try gym("run", broken)
        #expect(result.status != 0)
        let message = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(message.contains("bad_env.lua:5: in function 'step': attempt to index a nil value (field 'missing')"), "\(message)")
        #expect(!message.contains("\n"), "one line: \(message)")
    }

    @Test func printInScriptsGoesToStandardError() throws {
        let chatty = try temporaryFile("""
            local env = { name = "Chatty", observation_space = gym.box({0}, {1}),
                          action_space = gym.discrete(2), max_steps = 2 }
            function env:reset(rng) print("resetting", 1) return {0} end
            function env:step(action) return {0}, 0, false end
            return env
            """, name: "chatty.lua")
        let result = try gym("run", chatty, "--jsonl")
        #expect(result.status == 0)
        #expect(try jsonLines(result.stdout).count == 3)
        #expect(result.stderr.contains("resetting\t1"))
    }

    @Test func limitFlagsReachTheSandbox() throws {
        let loop = try temporaryFile("""
            local env = { name = "Loop", observation_space = gym.box({0}, {1}),
                          action_space = gym.discrete(2), max_steps = 2 }
            function env:reset(rng) return {0} end
            function env:step(action)
              local t = {}
              for i = 1, 1e8 do t[i] = i end
              return {0}, 0, false
            end
            return env
            """, name: "loop.lua")
        let budget = try gym("run", loop, "--max-instructions", "10000")
        #expect(budget.status != 0)
        #expect(budget.stderr.contains("loop.lua:6: in function 'step': instruction budget exceeded (10000 instructions in one call)"), "\(budget.stderr)")
        let memory = try gym("run", loop, "--max-memory", "4", "--max-instructions", "0")
        #expect(memory.status != 0)
        #expect(memory.stderr.contains("memory limit exceeded (4 MiB per script)"), "\(memory.stderr)")
    }
}
