import Environments

/// One-step contextual bandit: the observation is ±1; action 1 pays 1 when it is +1, action 0
/// pays 1 when it is -1.
final class SignBandit: Environment {
    let spec = EnvironmentSpec(name: "SignBandit", observationSpace: .box(low: [-1], high: [1]),
                               actionSpace: .discrete(2), maxSteps: 1)
    private var rng = SeededGenerator(seed: 0)
    private var sign = 1.0

    func reset(seed: UInt64?, observation: UnsafeMutableBufferPointer<Double>) throws {
        if let seed { rng = SeededGenerator(seed: seed) }
        sign = rng.uniform() < 0.5 ? -1 : 1
        observation[0] = sign
    }

    func step(action: UnsafeBufferPointer<Double>, observation: UnsafeMutableBufferPointer<Double>) throws -> StepOutcome {
        let right = (action[0] == 1) == (sign > 0)
        return StepOutcome(reward: right ? 1 : 0, terminated: true)
    }
}

/// One-step continuous target: the observation is x in [-1, 1]; the reward is -(a - x)².
final class TargetReach: Environment {
    let spec = EnvironmentSpec(name: "TargetReach", observationSpace: .box(low: [-1], high: [1]),
                               actionSpace: .box(low: [-2], high: [2]), maxSteps: 1)
    private var rng = SeededGenerator(seed: 0)
    private var target = 0.0

    func reset(seed: UInt64?, observation: UnsafeMutableBufferPointer<Double>) throws {
        if let seed { rng = SeededGenerator(seed: seed) }
        target = rng.uniform(-1, 1)
        observation[0] = target
    }

    func step(action: UnsafeBufferPointer<Double>, observation: UnsafeMutableBufferPointer<Double>) throws -> StepOutcome {
        StepOutcome(reward: -(action[0] - target) * (action[0] - target), terminated: true)
    }
}

/// Observation = steps since reset; never terminates unless `terminateAt` is reached; the
/// reward can be made NaN at a given step.
final class Counter: Environment {
    let spec: EnvironmentSpec
    let terminateAt: Int?
    let nanRewardAt: Int?
    private var t = 0

    init(maxSteps: Int, terminateAt: Int? = nil, nanRewardAt: Int? = nil, boxActions: Bool = false) {
        spec = EnvironmentSpec(name: "Counter", observationSpace: .box(low: [0], high: [100]),
                               actionSpace: boxActions ? .box(low: [-1], high: [1]) : .discrete(2), maxSteps: maxSteps)
        self.terminateAt = terminateAt
        self.nanRewardAt = nanRewardAt
    }

    func reset(seed: UInt64?, observation: UnsafeMutableBufferPointer<Double>) throws {
        t = 0
        observation[0] = 0
    }

    func step(action: UnsafeBufferPointer<Double>, observation: UnsafeMutableBufferPointer<Double>) throws -> StepOutcome {
        t += 1
        observation[0] = Double(t)
        return StepOutcome(reward: t == nanRewardAt ? .nan : 1, terminated: t == terminateAt)
    }
}
