import Environments
import LuaBridge
import PPO
import Scenarios

/// The deterministic evaluation made during training (every `--eval-every` updates and after
/// the last): the same episodes each time, on an env seeded apart from training's, so that
/// evaluations compare policies and never touch training's generators.
struct TrainingEvaluator {
    let script: String
    let episodes: Int
    let seed: UInt64
    let limits: LuaLimits
    let declaredMaxSteps: Int
    private var warnedAboutCap = false

    init(script: String, episodes: Int, trainingSeed: UInt64, limits: LuaLimits, declaredMaxSteps: Int) {
        self.script = script
        self.episodes = episodes
        seed = SeededGenerator.derive(trainingSeed, stream: 77)
        self.limits = limits
        self.declaredMaxSteps = declaredMaxSteps
    }

    mutating func evaluate(_ policy: TrainedPolicy, named name: String) throws -> TrainingEvaluation {
        let result = try ScenarioEvaluation.run(policy: policy, policyPath: name, envScript: script, scenarioPath: nil,
                                                options: .init(episodes: episodes, seed: seed, limits: limits))
        if let cap = result.stepCap, !warnedAboutCap {
            warnedAboutCap = true
            Console.note("evaluation episodes stop at \(cap) steps (the env's max_steps is \(declaredMaxSteps))")
        }
        return TrainingEvaluation(meanReturn: result.meanReturn, meanLength: result.meanLength, episodes: result.episodes.count)
    }
}

/// One evaluation's result, as logged.
struct TrainingEvaluation {
    var meanReturn: Double
    var meanLength: Double
    var episodes: Int
}
