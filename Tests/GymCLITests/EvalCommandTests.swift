import Foundation
import Testing

/// `gym eval` on the shipped policies and scenarios, as a CI job would run it.
@Suite struct EvalCommandTests {
    @Test func passingScenarioExitsZeroFailingOneWithReports() throws {
        let pass = try gym("eval", "policies/cartpole.policy", "--scenario", "scenarios/cartpole/heavy_pole.lua")
        #expect(pass.status == 0, "\(pass.stdout)\(pass.stderr)")
        #expect(pass.stdout.contains("heavy_pole") && pass.stdout.contains("PASS") && pass.stdout.contains("1 of 1 passed"))

        let folder = try temporaryFolder()
        let fail = try gym("eval", "policies/cartpole.policy", "--scenario", "scenarios/cartpole/stays_centered.lua",
                           "--scenario", "scenarios/cartpole/heavy_pole.lua",
                           "--json", "\(folder)/report.json", "--junit", "\(folder)/report.xml")
        #expect(fail.status == 1, "\(fail.stdout)\(fail.stderr)")
        #expect(fail.stdout.contains("1 of 2 failed: stays_centered"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(folder)/report.json"))) as! [String: Any]
        #expect((json["summary"] as? [String: Any])?["failed"] as? Int == 1)
        let xml = try String(contentsOfFile: "\(folder)/report.xml", encoding: .utf8)
        #expect(xml.contains("<testcase classname=\"CartPole\" name=\"stays_centered\"") && xml.contains("<failure message="))
    }

    @Test func sameSeedSameReport() throws {
        let a = try gym("eval", "policies/pendulum.policy", "--scenario", "scenarios/pendulum/heavy.lua", "--episodes", "5", "--seed", "11")
        let b = try gym("eval", "policies/pendulum.policy", "--scenario", "scenarios/pendulum/heavy.lua", "--episodes", "5", "--seed", "11")
        let c = try gym("eval", "policies/pendulum.policy", "--scenario", "scenarios/pendulum/heavy.lua", "--episodes", "5", "--seed", "12")
        #expect(a.stdout == b.stdout)
        #expect(a.stdout != c.stdout)
    }

    @Test func badInputExitsTwo() throws {
        let other = try gym("eval", "policies/pendulum.policy", "--scenario", "scenarios/cartpole/push.lua")
        #expect(other.status == 2)
        #expect(other.stderr.contains("scenarios/cartpole/push.lua is a scenario for envs/cartpole.lua, but policies/pendulum.policy was trained on envs/pendulum.lua"), "\(other.stderr)")
        let missing = try gym("eval", "policies/nothing.policy")
        #expect(missing.status == 2 && missing.stderr.contains("policies/nothing.policy: no such file"), "\(missing.stderr)")
        let broken = try temporaryFile("return { episodes = 1, on_step = function(env, ctx) error('boom') end }", name: "broken.lua")
        let failing = try gym("eval", "policies/pendulum.policy", "--scenario", broken)
        #expect(failing.status == 2 && failing.stderr.contains("broken.lua:1: in function 'on_step': boom"), "\(failing.stderr)")
    }

    @Test func folderRunsOnlyTheScenariosOfEachPolicysEnv() throws {
        let result = try gym("eval", "policies/acrobot.policy", "policies/mountaincar_continuous.policy", "--scenario", "scenarios/",
                             "--episodes", "2")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("8 of 8 passed"))
        #expect(!result.stdout.contains("off_center"))
    }

    @Test func runWithPolicyAndScenarioPrintsJSONLines() throws {
        let result = try gym("run", "envs/pendulum.lua", "--policy", "policies/pendulum.policy",
                             "--scenario", "scenarios/pendulum/hanging.lua", "--jsonl")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try jsonLines(result.stdout)
        #expect(lines.count == 201)
        // Hanging start: cos(theta) = -1 within the scenario's 0.05 rad jitter.
        #expect(((lines[0]["obs"] as! [Double])[0]) < -0.99)
    }
}
