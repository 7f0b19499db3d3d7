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
        let run = try self.run(policy, named: name)
        noteCap(run.stepCap)
        return run.evaluation
    }

    /// The episodes alone, with no output: safe to run on another thread than the caller's.
    func run(_ policy: TrainedPolicy, named name: String) throws -> EvaluationRun {
        let result = try ScenarioEvaluation.run(policy: policy, policyPath: name, envScript: script, scenarioPath: nil,
                                                options: .init(episodes: episodes, seed: seed, limits: limits))
        return EvaluationRun(evaluation: TrainingEvaluation(meanReturn: result.meanReturn, meanLength: result.meanLength,
                                                            episodes: result.episodes.count),
                             stepCap: result.stepCap)
    }

    /// Says once per training that the episodes stop at a cap shorter than the env's.
    mutating func noteCap(_ cap: Int?) {
        guard let cap, !warnedAboutCap else { return }
        warnedAboutCap = true
        Console.note("evaluation episodes stop at \(cap) steps (the env's max_steps is \(declaredMaxSteps))")
    }
}

/// One evaluation's result, as logged.
struct TrainingEvaluation {
    var meanReturn: Double
    var meanLength: Double
    var episodes: Int
}

/// An evaluation's result and the step cap its episodes ran under, if any.
struct EvaluationRun {
    var evaluation: TrainingEvaluation
    var stepCap: Int?
}
