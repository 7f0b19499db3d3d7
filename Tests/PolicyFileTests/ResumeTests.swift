import Environments
import Foundation
@testable import PolicyFile
import PPO
import Testing
import TestScratch

/// A run interrupted after some updates, saved to a checkpoint file, loaded and resumed, ends
/// bit-identical to the same run left alone.
@Suite struct ResumeTests {
    func settings(_ env: String) -> PPOSettings {
        var s = PPOSettings()
        s.envs = 4
        s.nSteps = 64
        s.batchSize = 64
        s.epochs = 3
        s.steps = 4 * 64 * 6
        s.hidden = [16, 16]
        s.seed = 5
        if env == "pendulum" {
            s.objective = .klAdaptive
            s.normalizeObservations = true
            s.normalizeReward = true
        }
        return s
    }

    @Test(arguments: ["cartpole", "pendulum"])
    func resumedRunEqualsUninterruptedRun(env: String) throws {
        let s = settings(env)
        let make: (Int) throws -> Environment = { _ in try LuaEnvironment(path: shippedEnv(env)) }
        let uninterrupted = try Trainer(settings: s, makeEnvironment: make).train()

        let first = try Trainer(settings: s, makeEnvironment: make)
        let partial = try first.train { $0.update < 2 }
        #expect(partial.updates == 2 && partial.stepsTrained == 512)
        // Through the file format, as `gym train --resume` does it.
        let bytes = try PolicyCodec.encode(partial, checkpoint: try first.checkpoint())
        let document = try PolicyCodec.decode(bytes)
        let checkpoint = try #require(document.checkpoint)
        let resumed = try Trainer(settings: s, resume: (document.policy, checkpoint), makeEnvironment: make).train()

        let differing = zip(resumed.parameters, uninterrupted.parameters).filter { $0 != $1 }.count
        #expect(differing == 0, "\(differing) of \(resumed.parameters.count) parameters differ")
        #expect(resumed.normalizer == uninterrupted.normalizer)
        #expect(resumed.stepsTrained == uninterrupted.stepsTrained && resumed.updates == 6)
    }

    @Test func checkpointRoundTripsEveryField() throws {
        var s = settings("pendulum")
        s.steps = 512
        let trainer = try Trainer(settings: s) { _ in try LuaEnvironment(path: shippedEnv("pendulum")) }
        let policy = try trainer.train()
        let checkpoint = try trainer.checkpoint()
        let document = try PolicyCodec.decode(try PolicyCodec.encode(policy, checkpoint: checkpoint))
        #expect(document.checkpoint == checkpoint)
        #expect(document.policy == policy)
        #expect(checkpoint.environments.count == 4 && checkpoint.environments[0].state.count == 2)
    }
}

/// Under scenarios too: the checkpoint holds each scenario's generator and the params drawn for
/// the current episode, so resuming mid-episode continues exactly.
@Suite struct ScenarioResumeTests {
    @Test func resumedRunUnderScenariosEqualsUninterruptedRun() throws {
        let folder = try TestScratch.folder("resume")
        let scenario = folder.appendingPathComponent("mixed.lua").path
        try """
            return {
              params = { m = gym.uniform(0.8, 1.4), l = gym.choice{ 0.9, 1.0, 1.1 } },
              setup = function(env, ctx) env.state = { ctx.rng:uniform(-3, 3), 0.0 } end,
              on_step = function(env, ctx)
                if ctx.t % 37 == 5 then env.params.m = env.params.m * 1.01 end
                if ctx.episode % 2 == 0 then ctx.action = { 0.9 * ctx.action[1] } end
              end,
            }
            """.write(toFile: scenario, atomically: false, encoding: .utf8)
        var s = PPOSettings()
        // 70 steps per rollout: the checkpoint after 2 updates falls mid-episode (episodes are 200).
        s.envs = 3
        s.nSteps = 70
        s.batchSize = 42
        s.epochs = 2
        s.steps = 3 * 70 * 5
        s.hidden = [8]
        let make: (Int) throws -> Environment = { _ in
            let env = try LuaEnvironment(path: shippedEnv("pendulum"))
            try env.attachScenario(path: scenario)
            return env
        }
        let uninterrupted = try Trainer(settings: s, makeEnvironment: make).train()
        let first = try Trainer(settings: s, makeEnvironment: make)
        let partial = try first.train { $0.update < 2 }
        let document = try PolicyCodec.decode(try PolicyCodec.encode(partial, checkpoint: try first.checkpoint()))
        let checkpoint = try #require(document.checkpoint)
        #expect(checkpoint.environments.allSatisfy { $0.scenario?.params.count == 3 })
        let resumed = try Trainer(settings: s, resume: (document.policy, checkpoint), makeEnvironment: make).train()
        #expect(resumed.parameters == uninterrupted.parameters)
    }
}
