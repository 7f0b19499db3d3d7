import Environments
import Foundation
@testable import PolicyFile
import PPO
import Testing

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
