import Foundation
import GymKit
import Testing
import TestScratch

/// The library as a dependent package uses it: only `import GymKit`, no internals.
private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
private func file(_ relative: String) -> String { root + "/" + relative }

@Suite struct GymKitTests {
    @Test func anEnvironmentStepsAndTruncatesAtItsTimeLimit() throws {
        let env = try GymEnvironment(script: file("envs/pendulum.lua"))
        #expect(env.name == "Pendulum")
        #expect(env.observationSpace.flatSize == 3)
        #expect(env.maxSteps == 200)
        let first = try env.reset(seed: 7)
        #expect(first.count == 3)
        #expect(try env.reset(seed: 7) == first)
        var steps: [StepResult] = []
        repeat { steps.append(try env.step([1.5])) } while !steps.last!.isDone
        #expect(steps.count == 200)
        #expect(steps.last!.truncated && !steps.last!.terminated)
        #expect(steps.dropLast().allSatisfy { !$0.truncated })
        #expect(steps.allSatisfy { $0.reward <= 0 && $0.observation.count == 3 })
    }

    @Test func badActionsAreErrorsNotTraps() throws {
        let env = try GymEnvironment(script: file("envs/pendulum.lua"))
        _ = try env.reset(seed: 0)
        #expect(throws: GymKitError.self) { try env.step([0, 0]) }
        // Out of the box: the env's own check, with a message.
        #expect(throws: (any Error).self) { try env.step([Double.nan]) }
        #expect(throws: (any Error).self) { try GymEnvironment(script: file("envs/no_such_env.lua")) }
    }

    @Test func aLoadedPolicyActsAsGymEvalDoes() throws {
        let policy = try GymPolicy(contentsOf: file("policies/pendulum.policy"))
        #expect(policy.envName == "Pendulum")
        #expect(policy.actionSpace.flatSize == 1)
        let env = try GymEnvironment(script: file("envs/pendulum.lua"))
        // Plain evaluation's first episode is seeded with 0 and deterministic: the same episode.
        let evaluated = try GymEvaluation.evaluate(policy, env: file("envs/pendulum.lua"), episodes: 3, seed: 0)
        let episode = try env.runEpisode(policy: policy, seed: 0)
        #expect(episode.totalReward == evaluated.episodes[0].totalReward)
        #expect(episode.length == evaluated.episodes[0].length)
        #expect(evaluated.passed, "the shipped pendulum policy is solved: mean \(evaluated.meanReturn)")
        // Deterministic actions stay in the box; sampled ones are reproducible from a seed.
        let observation = try env.reset(seed: 3)
        let action = try policy.act(observation)
        #expect(action.count == 1 && abs(action[0]) <= 2)
        policy.reseed(5)
        let sampled = try (0..<5).map { _ in try policy.act(observation, deterministic: false) }
        policy.reseed(5)
        #expect(try (0..<5).map { _ in try policy.act(observation, deterministic: false) } == sampled)
        #expect(try policy.value(observation).isFinite)
        #expect(throws: GymKitError.self) { try policy.act([1, 2]) }
    }

    @Test func aPolicyForAnotherEnvIsRefused() throws {
        let policy = try GymPolicy(contentsOf: file("policies/cartpole.policy"))
        let env = try GymEnvironment(script: file("envs/pendulum.lua"))
        #expect(throws: GymKitError.self) { try env.runEpisode(policy: policy) }
        #expect(throws: (any Error).self) { try GymPolicy(contentsOf: file("envs/pendulum.lua")) }
    }

    @Test func aScenarioEvaluationGivesAVerdict() throws {
        let policy = try GymPolicy(contentsOf: file("policies/pendulum.policy"))
        let result = try GymEvaluation.evaluate(policy, env: file("envs/pendulum.lua"),
                                                scenario: file("scenarios/pendulum/upright.lua"))
        #expect(result.scenarioName != "plain")
        #expect(!result.episodes.isEmpty)
        let report = GymEvaluation.report([result])
        #expect(report.allPassed == result.passed)
        #expect(report.table().contains(result.scenarioName))
    }

    @Test func trainingIsReproducibleWhateverTheThreadsAndSavesAFileThatLoads() throws {
        var settings = try GymTraining.recommendedSettings(for: file("envs/pendulum.lua"))
        #expect(settings.epochs == 15 && settings.gamma == 0.9, "the env's train table applies")
        settings.steps = 2 * settings.envs * settings.nSteps
        settings.seed = 4
        var updates = 0
        settings.threads = 1
        let one = try GymTraining.train(env: file("envs/pendulum.lua"), settings: settings) { _ in updates += 1; return true }
        #expect(updates == 2)
        settings.threads = 2
        let two = try GymTraining.train(env: file("envs/pendulum.lua"), settings: settings)
        let env = try GymEnvironment(script: file("envs/pendulum.lua"))
        let observations = try (0..<5).map { try env.reset(seed: UInt64($0)) }
        #expect(try observations.map { try one.act($0) } == observations.map { try two.act($0) })

        let path = TestScratch.unusedPath("gymkit", extension: ".policy")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try one.save(to: path)
        let loaded = try GymPolicy(contentsOf: path)
        #expect(loaded.stepsTrained == settings.steps)
        #expect(try observations.map { try loaded.act($0) } == observations.map { try one.act($0) })

        // Returning false from progress stops after that update.
        settings.steps *= 2
        var seen = 0
        let stopped = try GymTraining.train(env: file("envs/pendulum.lua"), settings: settings) { _ in seen += 1; return false }
        #expect(seen == 1 && stopped.stepsTrained == settings.steps / 4)
    }

    @Test func offPolicyAlgorithmsTrainThroughTheSameCalls() throws {
        var settings = try GymTraining.recommendedSettings(for: file("envs/pendulum.lua"), algorithm: .sac)
        #expect(settings.algorithm == .sac && settings.steps == 10000 && settings.hidden == [64, 64] && settings.learningRate == 1e-3,
                "the env's `sac` sub-table applies over SAC's defaults")
        settings.steps = 400
        settings.nSteps = 200
        settings.learningStarts = 200
        settings.hidden = [16, 16]
        settings.batchSize = 32
        let policy = try GymTraining.train(env: file("envs/pendulum.lua"), settings: settings)
        let env = try GymEnvironment(script: file("envs/pendulum.lua"))
        let action = try policy.act(try env.reset(seed: 1))
        #expect(action.count == 1 && abs(action[0]) <= 2, "a squashed action inside the box")
    }
}
