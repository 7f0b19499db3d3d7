import Environments
import Testing

/// The one episode loop and the one truncation rule: each way an episode can end, and what an
/// observer sees on the way.
@Suite struct EpisodeRunnerTests {
    private func runner(step: String, cap: Int? = nil) throws -> EpisodeRunner {
        let env = try LuaEnvironment(path: try temporaryScript(countingEnv(step: step)))
        return EpisodeRunner(env: env, timeLimit: TimeLimit(declared: env.spec.maxSteps, cap: cap))
    }

    private func alwaysZero(_: UnsafeBufferPointer<Double>, _ action: UnsafeMutableBufferPointer<Double>, _: Int) -> Bool {
        action[0] = 0
        return true
    }

    @Test func timeLimitTruncatesOnlyEpisodesThatDidNotTerminate() {
        let limit = TimeLimit(declared: 10)
        #expect(!limit.truncates(length: 9, terminated: false))
        #expect(limit.truncates(length: 10, terminated: false))
        #expect(!limit.truncates(length: 10, terminated: true))
        #expect(!limit.isCapped && limit.steps == 10)
        let capped = TimeLimit(declared: 10, cap: 4)
        #expect(capped.isCapped && capped.steps == 4 && capped.declared == 10)
        #expect(TimeLimit(declared: 10, cap: 0).steps == 1, "a cap below 1 still lets one step run")
        #expect(!TimeLimit(declared: 10, cap: 50).isCapped)
    }

    @Test func endsAtTerminationBeforeTheTimeLimit() throws {
        let episode = try runner(step: "self.t = self.t + 1; return {0}, 2.0, self.t >= 30").run(seed: 1, act: alwaysZero)
        #expect(episode == Episode(totalReward: 60, length: 30, ending: .terminated))
        #expect(episode.terminated && !episode.truncated && episode.failure == nil)
    }

    @Test func truncatesAtMaxStepsAndAtTheCap() throws {
        let endless = "self.t = self.t + 1; return {0}, 1.0, false"
        let declared = try runner(step: endless).run(seed: 1, act: alwaysZero)
        #expect(declared == Episode(totalReward: 100, length: 100, ending: .truncated))
        let capped = try runner(step: endless, cap: 7).run(seed: 1, act: alwaysZero)
        #expect(capped == Episode(totalReward: 7, length: 7, ending: .truncated))
    }

    @Test func anActorWithoutActionsEndsTheEpisode() throws {
        let episode = try runner(step: "return {0}, 1.0, false").run(seed: 1) { _, action, t in
            action[0] = 1
            return t < 3
        }
        #expect(episode == Episode(totalReward: 3, length: 3, ending: .outOfActions))
    }

    @Test func theObserverSeesTheResetAndEveryStepInOrder() throws {
        var seen: [String] = []
        let episode = try runner(step: "self.t = self.t + 1; return {self.t / 100}, 0.5, false", cap: 3)
            .run(seed: 1, act: alwaysZero) { event in
                switch event {
                case .reset(let observation): seen.append("reset \(observation[0])")
                case .step(let t, let action, let observation, let outcome, let truncated):
                    seen.append("step \(t) a=\(action[0]) o=\(observation[0]) r=\(outcome.reward) trunc=\(truncated)")
                }
            }
        #expect(episode.length == 3)
        #expect(seen == ["reset 0.0", "step 1 a=0.0 o=0.01 r=0.5 trunc=false", "step 2 a=0.0 o=0.02 r=0.5 trunc=false",
                         "step 3 a=0.0 o=0.03 r=0.5 trunc=true"])
    }

    @Test func aScenarioFailureEndsTheEpisodeAsFailed() throws {
        let env = try LuaEnvironment(path: try temporaryScript(countingEnv(step: "self.t = self.t + 1; return {0}, 1.0, false")))
        let scenario = try temporaryScript("""
        return { name = "fence", on_step = function(env, ctx)
          if ctx.t >= 4 then ctx:fail("left the fence at " .. ctx.t) end
        end }
        """, name: "fence.lua")
        try env.attachScenario(path: scenario)
        let episode = try EpisodeRunner(env: env, timeLimit: TimeLimit(declared: 100)).run(seed: 1, act: alwaysZero)
        #expect(episode.failure == "left the fence at 4")
        #expect(!episode.terminated && !episode.truncated && episode.length == 5)
    }
}
