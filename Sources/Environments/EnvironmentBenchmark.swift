import Dispatch

/// Times `steps` environment steps with pre-sampled random actions, resetting at episode ends
/// (termination or the time limit), through the `Environment` protocol that training uses.
public struct EnvironmentBenchmark {
    public var env: any Environment
    public var steps: Int
    public var seed: UInt64 = 1

    public init(env: any Environment, steps: Int) {
        self.env = env
        self.steps = steps
    }

    public func run() throws -> (seconds: Double, episodes: Int) {
        let spec = env.spec
        let actionSize = spec.actionSpace.flatSize
        let actionCount = 4096
        var rng = SeededGenerator(seed: seed)
        var actions = [Double](repeating: 0, count: actionSize * actionCount)
        actions.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<actionCount {
                spec.actionSpace.sample(into: .init(rebasing: buffer[i * actionSize ..< (i + 1) * actionSize]), using: &rng)
            }
        }
        var observation = [Double](repeating: 0, count: spec.observationSpace.flatSize)
        var episodes = 1
        let start = DispatchTime.now().uptimeNanoseconds
        try observation.withUnsafeMutableBufferPointer { obs in
            try actions.withUnsafeBufferPointer { allActions in
                try env.reset(seed: seed, observation: obs)
                var t = 0
                for i in 0..<steps {
                    let offset = (i % actionCount) * actionSize
                    let action = UnsafeBufferPointer(rebasing: allActions[offset ..< offset + actionSize])
                    let outcome = try env.step(action: action, observation: obs)
                    t += 1
                    if outcome.terminated || t >= spec.maxSteps {
                        try env.reset(seed: nil, observation: obs)
                        episodes += 1
                        t = 0
                    }
                }
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return (seconds, episodes)
    }
}
