import Environments

/// Runs a policy for whole episodes on one env and reports the returns: the deterministic
/// evaluation the benchmarks and `gym eval` use.
public enum PolicyEvaluation {
    public struct Result: Sendable {
        public var returns: [Double]
        public var lengths: [Int]
        public var meanReturn: Double { returns.reduce(0, +) / Double(max(returns.count, 1)) }
    }

    /// The first reset is seeded with `seed`; later resets continue the env's stream.
    public static func run(_ runner: PolicyRunner, on env: Environment, episodes: Int, seed: UInt64,
                           deterministic: Bool = true) throws -> Result {
        let spec = env.spec
        var observation = [Double](repeating: 0, count: spec.observationSpace.flatSize)
        var action = [Double](repeating: 0, count: spec.actionSpace.flatSize)
        var rng = SeededGenerator(seed: SeededGenerator.derive(seed, stream: 2))
        var result = Result(returns: [], lengths: [])
        try observation.withUnsafeMutableBufferPointer { obs in
            try action.withUnsafeMutableBufferPointer { act in
                for episode in 0..<episodes {
                    try env.reset(seed: episode == 0 ? seed : nil, observation: obs)
                    var total = 0.0
                    var length = 0
                    while length < spec.maxSteps {
                        runner.act(UnsafeBufferPointer(obs), into: act, deterministic: deterministic, rng: &rng)
                        let outcome = try env.step(action: UnsafeBufferPointer(act), observation: obs)
                        total += outcome.reward
                        length += 1
                        if outcome.terminated { break }
                    }
                    result.returns.append(total)
                    result.lengths.append(length)
                }
            }
        }
        return result
    }
}
