import Environments
import PolicyFile
import PPO

/// A trained policy: the network, the observation normalization it was trained with and its
/// spaces, loaded from a `.policy` file that `gym train` (or ``GymTraining``) saved.
///
/// ```swift
/// let policy = try GymPolicy(contentsOf: "policies/pendulum.policy")
/// let action = policy.act(observation)   // the deterministic action gym run takes
/// ```
///
/// An instance is not thread-safe (it keeps its work buffers); make one per thread.
public final class GymPolicy {
    let policy: TrainedPolicy
    private let runner: PolicyRunner
    private var generator: SeededGenerator
    private var action: [Double]

    /// Reads a policy file; a corrupt, truncated or newer-format file is refused with a message
    /// that says why.
    public convenience init(contentsOf path: String) throws {
        self.init(try PolicyCodec.read(from: path).policy, name: path)
    }

    init(_ policy: TrainedPolicy, name: String, seed: UInt64 = 0) {
        self.policy = policy
        self.name = name
        runner = PolicyRunner(policy: policy)
        generator = SeededGenerator(seed: seed)
        action = [Double](repeating: 0, count: policy.actionSpace.flatSize)
    }

    /// The file it was loaded from, or what made it ("trained on envs/pendulum.lua"): reports
    /// name it so.
    public let name: String
    /// The name of the env it was trained on.
    public var envName: String { policy.envName }
    /// The env script it was trained on, when it was saved from a file.
    public var envScript: String? { policy.envScript }
    public var observationSpace: Space { policy.observationSpace }
    public var actionSpace: Space { policy.actionSpace }
    /// Environment steps it was trained for.
    public var stepsTrained: Int { policy.stepsTrained }
    /// The hidden layer sizes of its networks.
    public var hiddenLayers: [Int] { policy.architecture.hidden }

    /// The action for a raw observation (normalized inside, as in training): the mean clipped
    /// to the box or the most likely discrete action when `deterministic`, else a sample from
    /// the policy's own seeded stream (see ``reseed(_:)``).
    public func act(_ observation: [Double], deterministic: Bool = true) throws -> [Double] {
        try checkSize(of: observation)
        observation.withUnsafeBufferPointer { raw in
            action.withUnsafeMutableBufferPointer {
                runner.act(raw, into: $0, deterministic: deterministic, rng: &generator)
            }
        }
        return action
    }

    /// `act` on buffers, for the episode loop (sizes checked by `check(fits:)`).
    func act(_ observation: UnsafeBufferPointer<Double>, into action: UnsafeMutableBufferPointer<Double>,
             deterministic: Bool) {
        runner.act(observation, into: action, deterministic: deterministic, rng: &generator)
    }

    /// The critic's estimate of the return from a raw observation.
    public func value(_ observation: [Double]) throws -> Double {
        try checkSize(of: observation)
        return Double(observation.withUnsafeBufferPointer { runner.value($0) })
    }

    private func checkSize(of observation: [Double]) throws {
        guard observation.count == policy.architecture.observationSize else {
            throw GymKitError("\(envName): the policy takes \(policy.architecture.observationSize) observation values, got \(observation.count)")
        }
    }

    /// Restarts the stream that sampled (non-deterministic) actions come from.
    public func reseed(_ seed: UInt64) { generator = SeededGenerator(seed: seed) }

    /// Saves the policy as a `.policy` file, atomically: a failed write leaves any file there as
    /// it was.
    public func save(to path: String) throws {
        try PolicyCodec.write(policy, to: path)
    }

    /// Throws unless the policy's spaces fit `env`'s.
    public func check(fits env: GymEnvironment) throws {
        if let problem = policy.problem(with: env.env.spec) { throw GymKitError(problem) }
    }
}
