import Environments
import LuaBridge
import Testing

@Suite struct EnvironmentCheckerTests {
    func failedChecks(_ source: String) throws -> [CheckResult] {
        var checker = EnvironmentChecker(path: try temporaryScript(source))
        checker.randomSteps = 200
        return checker.run().filter { !$0.passed }
    }

    @Test(arguments: ["pendulum", "cartpole", "mountaincar_continuous", "acrobot"])
    func shippedEnvsPassEveryCheck(envName: String) {
        let results = EnvironmentChecker(path: shippedEnv(envName)).run()
        #expect(results.count >= 10)
        #expect(results.allSatisfy { $0.passed }, "\(results.filter { !$0.passed })")
    }

    @Test func validCountingEnvPasses() throws {
        #expect(try failedChecks(countingEnv(reset: "self.t = rng:integer(0, 10); return {self.t / 100}")).isEmpty)
    }

    @Test func missingStepFailsTheLoadCheck() throws {
        let failures = try failedChecks(countingEnv().replacingOccurrences(of: "function env:step", with: "function env:stepp"))
        #expect(failures.first?.name.hasPrefix("loads") == true)
        #expect(failures.first?.detail.contains("env:step must be a function (got nil)") == true)
    }

    @Test func wrongObservationLengthFails() throws {
        let failures = try failedChecks(countingEnv(step: "return {0.1, 0.2}, 1.0, false",
                                                    reset: "return {0.0}"))
        #expect(failures.contains { $0.name.hasPrefix("step returns") && $0.detail.contains("returned 2 observation values, expected 1") })
    }

    @Test func observationOutOfBoundsFails() throws {
        let failures = try failedChecks(countingEnv(step: "return {1.5}, 1.0, false",
                                                    reset: "return {rng:uniform(0, 1)}"))
        #expect(failures.map { $0.name } == ["observations stay inside the observation space"])
        #expect(failures.first?.detail.contains("[1.5]") == true)
    }

    @Test func resetOutOfBoundsFails() throws {
        let failures = try failedChecks(countingEnv(reset: "self.t = 0; return {-3}"))
        #expect(failures.contains { $0.name.hasPrefix("reset returns") })
    }

    @Test func nanRewardFails() throws {
        let failures = try failedChecks(countingEnv(step: "return {0.5}, 0/0, false", reset: "return {0.0}"))
        #expect(failures.contains { $0.name.hasPrefix("observations and rewards are finite") && $0.detail.contains("nan") })
    }

    @Test func nonDeterministicResetFails() throws {
        // Ignores the rng: each reset starts somewhere new, whatever the seed.
        let failures = try failedChecks(countingEnv(
            reset: "self.resets = (self.resets or 0) + 1; self.t = self.resets % 7; return {self.t / 100}"))
        #expect(failures.map { $0.name }.contains("the same seed gives identical trajectories"))
    }

    @Test func seedIgnoringResetFailsTheDifferentSeedsCheck() throws {
        let failures = try failedChecks(countingEnv())
        #expect(failures.map { $0.name } == ["different seeds give different trajectories"])
    }

    @Test func runtimeErrorInStepFails() throws {
        let failures = try failedChecks(countingEnv(step: "self.t = self.t + 1\n  if self.t == 20 then error('wheel fell off') end\n  return {0.5}, 1.0, false"))
        let detail = failures.first { $0.name.hasPrefix("step returns") }?.detail ?? ""
        #expect(detail.contains(":12: in function 'step': wheel fell off"), "\(detail)")
        #expect(failures.contains { $0.name.contains("random steps run without error") })
    }

    /// A step stopped by a limit is reported once; the checks that would step again (and wait
    /// for the limit each time) are not run.
    @Test func aStepStoppedByALimitEndsTheCheck() throws {
        for limits in [LuaLimits(instructionsPerCall: 100_000), LuaLimits(instructionsPerCall: 0, secondsPerCall: 0.2)] {
            var checker = EnvironmentChecker(path: try temporaryScript(countingEnv(step: "while true do end")), limits: limits)
            checker.randomSteps = 200
            let failures = checker.run().filter { !$0.passed }
            #expect(failures.map(\.name) == ["step returns observation, reward and terminated of the right types for random actions",
                                              "200 random steps run without error", "remaining checks"])
            #expect(failures.last?.detail.contains("stopped by a limit") == true)
        }
        // Other step errors leave the later checks to run.
        let failures = try failedChecks(countingEnv(step: "error('wheel fell off')"))
        #expect(failures.contains { $0.name == "the same seed gives identical trajectories" })
    }

    @Test func invalidSpacesFail() throws {
        let failures = try failedChecks(countingEnv(observationSpace: "gym.box({1}, {0})"))
        // The rule every command applies on loading, so check and train agree (SpecReader).
        #expect(failures.first?.name.hasPrefix("loads") == true)
        #expect(failures.first?.detail.contains("field 'observation_space': low[1] = 1.0 > high[1] = 0.0") == true)
        let infiniteAction = try failedChecks(countingEnv().replacingOccurrences(
            of: "gym.discrete(2)", with: "gym.box({-math.huge}, {1})"))
        #expect(infiniteAction.first?.detail.contains("field 'action_space': bound 1 is infinite") == true)
    }
}
