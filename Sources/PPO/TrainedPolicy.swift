import Environments

/// Everything needed to run a trained policy: the network, the observation normalization it was
/// trained with, the spaces, and how it was made. `PolicyFile` saves and loads it.
public struct TrainedPolicy: Equatable, Sendable {
    public var envName: String
    public var observationSpace: Space
    public var actionSpace: Space
    public var architecture: NetworkArchitecture
    public var normalizer: ObservationNormalizer
    public var parameters: [Float]
    public var settings: PPOSettings
    public var stepsTrained: Int
    public var updates: Int
    public var wallSeconds: Double
    /// The env script it was trained on and a hash of its source, when saved from a file.
    public var envScript: String?
    public var sourceHash: String?
    /// Scenario files training ran under (domain randomization), in order; resume reuses them.
    public var scenarios: [String] = []

    public init(envName: String, observationSpace: Space, actionSpace: Space, architecture: NetworkArchitecture,
                normalizer: ObservationNormalizer, parameters: [Float], settings: PPOSettings,
                stepsTrained: Int, updates: Int, wallSeconds: Double, envScript: String? = nil, sourceHash: String? = nil) {
        self.envName = envName
        self.observationSpace = observationSpace
        self.actionSpace = actionSpace
        self.architecture = architecture
        self.normalizer = normalizer
        self.parameters = parameters
        self.settings = settings
        self.stepsTrained = stepsTrained
        self.updates = updates
        self.wallSeconds = wallSeconds
        self.envScript = envScript
        self.sourceHash = sourceHash
    }

    /// Whether this policy fits an environment's spaces.
    public func problem(with spec: EnvironmentSpec) -> String? {
        if spec.observationSpace.flatSize != architecture.observationSize {
            return "the policy takes \(architecture.observationSize) observation values, \(spec.name) gives \(spec.observationSpace.flatSize)"
        }
        let squashed = architecture.distribution.isSquashed
        let expected = squashed
            ? ActionDistributionKind(offPolicy: settings.algorithm, dimensions: spec.actionSpace.flatSize)
            : ActionDistributionKind(actionSpace: spec.actionSpace)
        if expected != architecture.distribution || (squashed && spec.actionSpace.isDiscrete) {
            return "the policy's actions (\(actionSpace)) do not match \(spec.name)'s action space (\(spec.actionSpace))"
        }
        return nil
    }
}

/// Runs a trained policy one observation at a time: normalize, forward, then the mean (or
/// argmax) in deterministic mode, or a sample; continuous actions are clipped to the box.
public final class PolicyRunner {
    public let policy: TrainedPolicy
    private let parameters: ParameterBuffer<Float>
    private let workspace: ActorCriticWorkspace<Float>
    private let observation: UnsafeMutablePointer<Float>
    private let scratch: UnsafeMutablePointer<Float>
    private let sample: UnsafeMutablePointer<Float>
    /// Observation then action: what an off-policy critic reads.
    private let criticInput: UnsafeMutablePointer<Float>

    public init(policy: TrainedPolicy) {
        self.policy = policy
        parameters = ParameterBuffer(count: policy.parameters.count)
        parameters.load(policy.parameters)
        workspace = ActorCriticWorkspace(architecture: policy.architecture, capacity: 1)
        observation = .allocate(count: policy.architecture.observationSize, filledWith: 0)
        let outSize = policy.architecture.distribution.outputSize
        scratch = .allocate(count: outSize, filledWith: 0)
        sample = .allocate(count: outSize, filledWith: 0)
        criticInput = .allocate(count: policy.architecture.critic.inputSize, filledWith: 0)
    }

    deinit {
        observation.deallocate()
        scratch.deallocate()
        sample.deallocate()
        criticInput.deallocate()
    }

    public func act(_ raw: UnsafeBufferPointer<Double>, into action: UnsafeMutableBufferPointer<Double>,
                    deterministic: Bool = true, rng: inout SeededGenerator) {
        let architecture = policy.architecture
        policy.normalizer.normalize(raw.baseAddress!, into: observation, count: architecture.observationSize)
        let p = UnsafePointer(parameters.values)
        let output = workspace.forwardPolicy(p, observations: observation, rows: 1)
        switch architecture.distribution {
        case .gaussian(let d):
            if deterministic {
                sample.update(from: output, count: d)
            } else {
                DiagonalGaussian.sample(mean: output, logStd: p + architecture.logStdOffset, dimensions: d,
                                        into: sample, rng: &rng)
            }
            guard case .box(let low, let high) = policy.actionSpace else { preconditionFailure("a Gaussian policy needs a box") }
            for i in 0..<d {
                action[i] = Swift.min(Swift.max(Double(sample[i]), low[i]), high[i])
            }
        case .categorical(let n):
            if deterministic {
                action[0] = Double(Categorical.mode(output, count: n))
            } else {
                Categorical.logSoftmax(output, count: n, into: scratch)
                action[0] = Double(Categorical.sample(logProbabilities: scratch, count: n, rng: &rng))
            }
        case .deterministic, .squashedGaussian:
            squashedAction(output, deterministic: deterministic, rng: &rng)
            guard case .box(let low, let high) = policy.actionSpace else { preconditionFailure("a squashed policy needs a box") }
            for i in 0..<architecture.distribution.actionSize {
                action[i] = SquashedActions.toBox(Double(sample[i]), low: low[i], high: high[i])
            }
        }
    }

    /// An off-policy actor's action in [-1, 1], into `sample`: tanh of the output (of the mean,
    /// for SAC), or for SAC's sampling mode a draw from the squashed Gaussian.
    private func squashedAction(_ output: UnsafePointer<Float>, deterministic: Bool, rng: inout SeededGenerator) {
        let d = policy.architecture.distribution.actionSize
        if case .squashedGaussian = policy.architecture.distribution, !deterministic {
            for j in 0..<d { scratch[j] = Float(rng.normal()) }
            _ = SquashedGaussian.sample(output: output, noise: scratch, dimensions: d, into: sample)
        } else {
            for j in 0..<d { sample[j] = Float.tanh(output[j]) }
        }
    }

    /// The critic's value of an observation (for inspection and tests); for an off-policy
    /// policy, the first critic's value of the deterministic action there.
    public func value(_ raw: UnsafeBufferPointer<Double>) -> Float {
        let architecture = policy.architecture
        let n = architecture.observationSize
        policy.normalizer.normalize(raw.baseAddress!, into: observation, count: n)
        let p = UnsafePointer(parameters.values)
        guard architecture.criticsTakeActions else {
            return workspace.forwardValue(p, observations: observation, rows: 1)[0]
        }
        var rng = SeededGenerator(seed: 0)
        squashedAction(workspace.forwardPolicy(p, observations: observation, rows: 1), deterministic: true, rng: &rng)
        criticInput.update(from: observation, count: n)
        (criticInput + n).update(from: sample, count: architecture.distribution.actionSize)
        return workspace.forwardValue(p, observations: criticInput, rows: 1)[0]
    }
}
