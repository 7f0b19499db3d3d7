import Environments
import Foundation

/// Everything needed to run a trained policy: the network, the observation normalization it was
/// trained with, the action space, and how it was made.
///
/// Saved as JSON for now (an interim format: the versioned binary format replaces it).
public struct TrainedPolicy: Codable, Equatable, Sendable {
    public static let interimFormat = "gym-policy-interim-1"
    public var format = TrainedPolicy.interimFormat
    public var envName: String
    public var architecture: NetworkArchitecture
    public var normalizer: ObservationNormalizer
    /// Box bounds for clipping actions; empty for a discrete space.
    public var actionLow: [Double]
    public var actionHigh: [Double]
    public var parameters: [Float]
    public var settings: PPOSettings
    public var stepsTrained: Int
    public var wallSeconds: Double

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(self)
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Written to a temporary file beside the target, then renamed over it: never half-written.
        try data.write(to: url, options: .atomic)
    }

    public static func read(from path: String) throws -> TrainedPolicy {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw PolicyFileError(path: path, message: "cannot read the file")
        }
        let policy: TrainedPolicy
        do { policy = try JSONDecoder().decode(TrainedPolicy.self, from: data) } catch {
            throw PolicyFileError(path: path, message: "not a gym policy file (\(error))")
        }
        guard policy.format == interimFormat else {
            throw PolicyFileError(path: path, message: "unsupported format '\(policy.format)'; this gym reads '\(interimFormat)'")
        }
        guard policy.parameters.count == policy.architecture.parameterCount else {
            throw PolicyFileError(path: path, message: "\(policy.parameters.count) parameters, the architecture needs \(policy.architecture.parameterCount)")
        }
        return policy
    }

    /// Whether this policy fits an environment's spaces.
    public func problem(with spec: EnvironmentSpec) -> String? {
        if spec.observationSpace.flatSize != architecture.observationSize {
            return "the policy takes \(architecture.observationSize) observation values, \(spec.name) gives \(spec.observationSpace.flatSize)"
        }
        if ActionDistributionKind(actionSpace: spec.actionSpace) != architecture.distribution {
            return "the policy's actions (\(architecture.distribution)) do not match \(spec.name)'s action space"
        }
        return nil
    }
}

public struct PolicyFileError: Error, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
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

    public init(policy: TrainedPolicy) {
        self.policy = policy
        parameters = ParameterBuffer(count: policy.parameters.count)
        parameters.load(policy.parameters)
        workspace = ActorCriticWorkspace(architecture: policy.architecture, capacity: 1)
        observation = .allocate(count: policy.architecture.observationSize, filledWith: 0)
        let outSize = policy.architecture.distribution.outputSize
        scratch = .allocate(count: outSize, filledWith: 0)
        sample = .allocate(count: outSize, filledWith: 0)
    }

    deinit {
        observation.deallocate()
        scratch.deallocate()
        sample.deallocate()
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
            for i in 0..<d {
                action[i] = Swift.min(Swift.max(Double(sample[i]), policy.actionLow[i]), policy.actionHigh[i])
            }
        case .categorical(let n):
            if deterministic {
                action[0] = Double(Categorical.mode(output, count: n))
            } else {
                Categorical.logSoftmax(output, count: n, into: scratch)
                action[0] = Double(Categorical.sample(logProbabilities: scratch, count: n, rng: &rng))
            }
        }
    }

    /// The critic's value of an observation (for inspection and tests).
    public func value(_ raw: UnsafeBufferPointer<Double>) -> Float {
        policy.normalizer.normalize(raw.baseAddress!, into: observation, count: policy.architecture.observationSize)
        return workspace.forwardValue(UnsafePointer(parameters.values), observations: observation, rows: 1)[0]
    }
}
