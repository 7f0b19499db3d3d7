import Environments
import PPO

/// A checkpoint's training state as tensors: optimizer moments, generators, and each env's
/// state (`env.*`, one row per env).
enum CheckpointTensors {
    static func encode(_ c: TrainingCheckpoint) -> [NamedTensor] {
        let envs = c.environments.count
        let stateSize = c.environments.first?.state.count ?? 0
        let observationSize = c.environments.first?.observation.count ?? 0
        var scenarioTensors: [NamedTensor] = []
        let scenarios = c.environments.compactMap(\.scenario)
        if scenarios.count == envs, let paramCount = scenarios.first?.params.count {
            scenarioTensors = [
                NamedTensor("env.scenario_generator", shape: [envs, 4], .u64(scenarios.flatMap(\.generator))),
                NamedTensor("env.scenario_params", shape: [envs, paramCount], .f64(scenarios.flatMap(\.params))),
            ]
        }
        var offPolicyTensors: [NamedTensor] = []
        if let state = c.offPolicy {
            let count = state.replayCount
            // Sizes from the envs and the targets' layout, so an empty buffer has its shape too.
            let n = c.environments.first?.observation.count ?? 0
            let d = count == 0 ? state.actionSize : state.replayActions.count / count
            offPolicyTensors = [
                NamedTensor("target.parameters", shape: [state.targetParameters.count], .f32(state.targetParameters)),
                NamedTensor("replay.observations", shape: [count, n], .f64(state.replayObservations)),
                NamedTensor("replay.next_observations", shape: [count, n], .f64(state.replayNextObservations)),
                NamedTensor("replay.actions", shape: [count, d], .f32(state.replayActions)),
                NamedTensor("replay.rewards", shape: [count], .f32(state.replayRewards)),
                NamedTensor("replay.terminals", shape: [count], .f32(state.replayTerminals)),
                NamedTensor("exploration.noise", shape: [envs, state.actionSize], .f64(state.explorationNoise)),
            ]
        }
        return offPolicyTensors + scenarioTensors + [
            NamedTensor("optimizer.adam.first_moment", shape: [c.adamFirstMoment.count], .f32(c.adamFirstMoment)),
            NamedTensor("optimizer.adam.second_moment", shape: [c.adamSecondMoment.count], .f32(c.adamSecondMoment)),
            NamedTensor("training.recent_returns", shape: [c.recentReturns.count], .f64(c.recentReturns)),
            NamedTensor("training.recent_lengths", shape: [c.recentLengths.count], .u64(c.recentLengths.map { UInt64($0) })),
            NamedTensor("training.return_statistics", shape: [2], .f64([c.returnStatistics.mean[0], c.returnStatistics.variance[0]])),
            NamedTensor("rng.update", shape: [4], .u64(c.updateGenerator)),
            NamedTensor("rng.samplers", shape: [envs, 4], .u64(c.samplerGenerators)),
            NamedTensor("env.running_return", shape: [envs], .f64(c.runningReturns)),
            NamedTensor("env.generator", shape: [envs, 4], .u64(c.environments.flatMap(\.generator))),
            NamedTensor("env.state", shape: [envs, stateSize], .f64(c.environments.flatMap(\.state))),
            NamedTensor("env.observation", shape: [envs, observationSize], .f64(c.environments.flatMap(\.observation))),
            NamedTensor("env.episode_return", shape: [envs], .f64(c.environments.map(\.episodeReturn))),
            NamedTensor("env.counters", shape: [envs, 3], .u64(c.environments.flatMap {
                [UInt64($0.episode), UInt64($0.stepInEpisode), UInt64($0.episodeLength)]
            })),
        ]
    }

    static func decode(_ info: PolicyMetadata.CheckpointInfo, tensors: [String: NamedTensor],
                       architecture: NetworkArchitecture, settings: PPOSettings) throws(FormatError) -> TrainingCheckpoint {
        let count = architecture.parameterCount
        let envs = settings.envs
        guard (1...PPOSettings.Limits.envs).contains(envs) else { throw FormatError("a checkpoint of \(envs) envs is out of bounds") }
        let first = try PolicyCodec.floats("optimizer.adam.first_moment", shape: [count], in: tensors)
        let second = try PolicyCodec.floats("optimizer.adam.second_moment", shape: [count], in: tensors)
        guard first.allSatisfy({ $0.isFinite }), second.allSatisfy({ $0.isFinite && $0 >= 0 }), info.adamStep >= 0,
              info.klCoef.isFinite, info.episodesCompleted >= 0 else {
            throw FormatError("the optimizer state is not finite")
        }
        guard let recentCount = tensors["training.recent_returns"]?.shape.first, recentCount <= 100 else {
            throw FormatError("tensor 'training.recent_returns' is missing or longer than 100")
        }
        let recentReturns = try PolicyCodec.doubles("training.recent_returns", shape: [recentCount], in: tensors)
        let recentLengths = try PolicyCodec.words("training.recent_lengths", shape: [recentCount], in: tensors)
        let returnStatistics = try PolicyCodec.doubles("training.return_statistics", shape: [2], in: tensors)
        let state = tensors["env.state"]?.shape ?? []
        guard state.count == 2, state[0] == envs, state[1] <= 1 << 16 else {
            throw FormatError("tensor 'env.state' should have one row per env (\(envs))")
        }
        let stateSize = state[1]
        let observationSize = architecture.observationSize
        let generators = try PolicyCodec.words("env.generator", shape: [envs, 4], in: tensors)
        let states = try PolicyCodec.doubles("env.state", shape: [envs, stateSize], in: tensors)
        let observations = try PolicyCodec.doubles("env.observation", shape: [envs, observationSize], in: tensors)
        let episodeReturns = try PolicyCodec.doubles("env.episode_return", shape: [envs], in: tensors)
        let counters = try PolicyCodec.words("env.counters", shape: [envs, 3], in: tensors)
        guard counters.allSatisfy({ $0 <= UInt64(Int.max) }), recentLengths.allSatisfy({ $0 <= UInt64(Int.max) }) else {
            throw FormatError("an env counter is out of range")
        }
        // Present when training ran under scenarios.
        var scenarioGenerators: [UInt64]?, scenarioParams: [Double]?, paramCount = 0
        if let shape = tensors["env.scenario_params"]?.shape {
            guard shape.count == 2, shape[0] == envs, shape[1] <= 4096 else {
                throw FormatError("tensor 'env.scenario_params' should have one row per env (\(envs))")
            }
            paramCount = shape[1]
            scenarioGenerators = try PolicyCodec.words("env.scenario_generator", shape: [envs, 4], in: tensors)
            scenarioParams = try PolicyCodec.doubles("env.scenario_params", shape: [envs, paramCount], in: tensors)
        }
        let environments = (0..<envs).map { e in
            EnvironmentSnapshot(generator: Array(generators[(4 * e)..<(4 * e + 4)]),
                                state: Array(states[(stateSize * e)..<(stateSize * (e + 1))]),
                                observation: Array(observations[(observationSize * e)..<(observationSize * (e + 1))]),
                                episode: Int(counters[3 * e]), stepInEpisode: Int(counters[3 * e + 1]),
                                episodeReturn: episodeReturns[e], episodeLength: Int(counters[3 * e + 2]),
                                scenario: scenarioGenerators.map { generators in
                                    ScenarioSnapshot(generator: Array(generators[(4 * e)..<(4 * e + 4)]),
                                                     params: Array(scenarioParams![(paramCount * e)..<(paramCount * (e + 1))]))
                                })
        }
        let updateGenerator = try PolicyCodec.words("rng.update", shape: [4], in: tensors)
        let samplerGenerators = try PolicyCodec.words("rng.samplers", shape: [envs, 4], in: tensors)
        // xoshiro256** never leaves the all-zero state: a generator there would return zeros
        // forever, and rejection sampling would never end (a resume that hangs).
        for (name, words) in [("rng.update", updateGenerator), ("rng.samplers", samplerGenerators),
                              ("env.generator", generators), ("env.scenario_generator", scenarioGenerators ?? [])] {
            for row in stride(from: 0, to: words.count, by: 4) where words[row..<(row + 4)].allSatisfy({ $0 == 0 }) {
                throw FormatError("tensor '\(name)' holds an all-zero generator state (row \(row / 4)), which no seed produces")
            }
        }
        var offPolicy: OffPolicyState?
        if settings.algorithm.isOffPolicy {
            offPolicy = try offPolicyState(info, tensors: tensors, architecture: architecture, settings: settings)
        }
        return TrainingCheckpoint(
            adamStep: info.adamStep, adamFirstMoment: first, adamSecondMoment: second, klCoef: info.klCoef,
            episodesCompleted: info.episodesCompleted, recentReturns: recentReturns,
            recentLengths: recentLengths.map { Int($0) },
            returnStatistics: RunningMeanStd(mean: [returnStatistics[0]], variance: [returnStatistics[1]], count: info.returnCount),
            updateGenerator: updateGenerator, samplerGenerators: samplerGenerators,
            runningReturns: try PolicyCodec.doubles("env.running_return", shape: [envs], in: tensors),
            environments: environments, offPolicy: offPolicy)
    }

    /// An off-policy checkpoint's targets, temperature and replay buffer, checked.
    private static func offPolicyState(_ info: PolicyMetadata.CheckpointInfo, tensors: [String: NamedTensor],
                                       architecture: NetworkArchitecture,
                                       settings: PPOSettings) throws(FormatError) -> OffPolicyState {
        guard let o = info.offPolicy else { throw FormatError("a \(settings.algorithm.rawValue) checkpoint without its 'off_policy' metadata") }
        let (n, d, count) = (architecture.observationSize, architecture.distribution.actionSize, o.replayCount)
        guard o.actorAdamStep >= 0, o.logAlpha.isFinite, o.alphaAdam.count == 3, o.alphaAdam.allSatisfy(\.isFinite),
              o.alphaAdam[2] >= 0, o.alphaAdam[2] <= 1e15,
              (0...PPOSettings.Limits.replayTransitions).contains(count), (0...count).contains(o.replayPosition) else {
            throw FormatError("the off-policy state is out of range (replay_count \(count), replay_position \(o.replayPosition))")
        }
        let target = try PolicyCodec.floats("target.parameters", shape: [architecture.parameterCount], in: tensors)
        let observations = try PolicyCodec.doubles("replay.observations", shape: [count, n], in: tensors)
        let next = try PolicyCodec.doubles("replay.next_observations", shape: [count, n], in: tensors)
        let actions = try PolicyCodec.floats("replay.actions", shape: [count, d], in: tensors)
        let rewards = try PolicyCodec.floats("replay.rewards", shape: [count], in: tensors)
        let terminals = try PolicyCodec.floats("replay.terminals", shape: [count], in: tensors)
        let noise = try PolicyCodec.doubles("exploration.noise", shape: [settings.envs, d], in: tensors)
        guard target.allSatisfy(\.isFinite), rewards.allSatisfy(\.isFinite), terminals.allSatisfy({ $0 == 0 || $0 == 1 }),
              observations.allSatisfy(\.isFinite), next.allSatisfy(\.isFinite), noise.allSatisfy(\.isFinite),
              actions.allSatisfy({ $0 >= -1 && $0 <= 1 }) else {
            throw FormatError("the replay buffer, the target networks or the exploration noise hold values out of range (NaN or infinity, or actions outside [-1, 1])")
        }
        return OffPolicyState(targetParameters: target, actorAdamStep: o.actorAdamStep, logAlpha: o.logAlpha,
                              alphaMoments: o.alphaAdam, replayPosition: o.replayPosition, replayObservations: observations,
                              replayNextObservations: next, replayActions: actions, replayRewards: rewards,
                              replayTerminals: terminals, actionSize: d, explorationNoise: noise)
    }
}
