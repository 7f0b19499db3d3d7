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
        let runner = EpisodeRunner(env: env, timeLimit: TimeLimit(declared: spec.maxSteps))
        var episodes = 0
        var taken = 0
        let start = DispatchTime.now().uptimeNanoseconds
        try actions.withUnsafeBufferPointer { allActions in
            while taken < steps {
                _ = try runner.run(seed: episodes == 0 ? seed : nil) { _, action, _ in
                    guard taken < steps else { return false }
                    let offset = (taken % actionCount) * actionSize
                    _ = action.update(fromContentsOf: UnsafeBufferPointer(rebasing: allActions[offset ..< offset + actionSize]))
                    taken += 1
                    return true
                }
                episodes += 1
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return (seconds, episodes)
    }
}
