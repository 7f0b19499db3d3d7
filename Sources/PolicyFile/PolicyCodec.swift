import Environments
import Foundation
import LuaBridge
import PPO

/// A policy file that could not be read, with the path and one line of what was wrong.
public struct PolicyFileError: Error, CustomStringConvertible {
    public var path: String
    public var message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}

/// A loaded file: the policy, and the training state if it is a checkpoint.
public struct PolicyDocument: Sendable {
    public var policy: TrainedPolicy
    public var checkpoint: TrainingCheckpoint?
    public var formatVersion: String
    public var gymVersion: String
    public var createdAt: String
    public var byteCount: Int
}

/// Maps policies (and checkpoints) onto the tensor container and back, validating the meaning
/// of what the container validated the shape of.
public enum PolicyCodec {
    public static let gymVersion = "0.2.0"

    // MARK: Writing

    public static func encode(_ policy: TrainedPolicy, checkpoint: TrainingCheckpoint? = nil,
                              createdAt: Date = Date()) throws -> [UInt8] {
        let architecture = policy.architecture
        var tensors: [NamedTensor] = []
        func add(_ name: String, _ shape: [Int], _ values: TensorValues) { tensors.append(NamedTensor(name, shape: shape, values)) }
        for (name, offset, count, shape) in parameterTensors(architecture) {
            add(name, shape, .f32(Array(policy.parameters[offset..<(offset + count)])))
        }
        add("observation_normalization.mean", [architecture.observationSize], .f64(policy.normalizer.statistics.mean))
        add("observation_normalization.variance", [architecture.observationSize], .f64(policy.normalizer.statistics.variance))
        for (prefix, space) in [("observation_space", policy.observationSpace), ("action_space", policy.actionSpace)] {
            if case .box(let low, let high) = space {
                add("\(prefix).low", [low.count], .f64(low))
                add("\(prefix).high", [high.count], .f64(high))
            }
        }
        if let checkpoint { tensors += CheckpointTensors.encode(checkpoint) }

        // Not ISO8601DateFormatter nor the format style: they load ICU's calendar or time-zone
        // data, which cost more than encoding the tensors (training writes checkpoints often).
        let metadata = PolicyMetadata(
            kind: checkpoint == nil ? "policy" : "checkpoint", gymVersion: gymVersion,
            createdAt: Timestamps.iso8601UTC(createdAt), algorithm: policy.settings.algorithm.rawValue, settings: policy.settings,
            seed: policy.settings.seed,
            env: .init(name: policy.envName, script: policy.envScript, sourceHash: policy.sourceHash),
            observationSpace: spaceInfo(policy.observationSpace), actionSpace: spaceInfo(policy.actionSpace),
            architecture: .init(observationSize: architecture.observationSize,
                                distribution: distributionName(architecture.distribution),
                                outputs: architecture.distribution.outputSize, hidden: architecture.hidden,
                                activation: architecture.activation.rawValue, shared: architecture.shared),
            observationNormalization: .init(enabled: policy.normalizer.enabled, clip: policy.normalizer.clip,
                                            count: policy.normalizer.statistics.count),
            stepsTrained: policy.stepsTrained, updates: policy.updates, wallSeconds: policy.wallSeconds,
            checkpoint: checkpoint.map { .init(adamStep: $0.adamStep, klCoef: $0.klCoef,
                                               episodesCompleted: $0.episodesCompleted,
                                               returnCount: $0.returnStatistics.count,
                                               offPolicy: $0.offPolicy.map { state in
                                                   .init(actorAdamStep: state.actorAdamStep, logAlpha: state.logAlpha,
                                                         alphaAdam: state.alphaMoments, replayCount: state.replayCount,
                                                         replayPosition: state.replayPosition)
                                               }) },
            trainingScenarios: policy.scenarios.isEmpty ? nil : policy.scenarios)
        return try TensorContainer.assemble(metadata: metadata, tensors: tensors)
    }

    /// Writes atomically: a temporary file in the same folder, flushed to disk, renamed over
    /// the target. A crash or Ctrl-C at any moment leaves the old file or the new one.
    public static func write(_ policy: TrainedPolicy, checkpoint: TrainingCheckpoint? = nil, to path: String) throws {
        let bytes = try encode(policy, checkpoint: checkpoint)
        try AtomicFile.write(bytes, to: path)
    }

    // MARK: Reading

    public static func read(from path: String) throws -> PolicyDocument {
        let bytes: [UInt8]
        do {
            bytes = try BoundedFile.read(path, limit: Layout.maximumFileSize, what: "policy file")
        } catch {
            throw PolicyFileError(path: path, message: error.reason)
        }
        do {
            return try decode(bytes)
        } catch {
            throw PolicyFileError(path: path, message: error.message)
        }
    }

    static func decode(_ bytes: [UInt8]) throws(FormatError) -> PolicyDocument {
        let parsed = try TensorContainer.parse(bytes, as: PolicyMetadata.self)
        let m = parsed.metadata
        guard m.kind == "policy" || m.kind == "checkpoint" else { throw FormatError("unknown kind '\(m.kind)'") }
        guard let algorithm = PPOSettings.Algorithm(rawValue: m.algorithm) else {
            throw FormatError("unknown algorithm '\(m.algorithm)' (this gym runs \(PPOSettings.Algorithm.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard m.settings.algorithm == algorithm else {
            throw FormatError("the algorithm is '\(m.algorithm)' but the settings say '\(m.settings.algorithm.rawValue)'")
        }
        let architecture = try architecture(m.architecture, algorithm: algorithm)
        let observationSpace = try space(m.observationSpace, prefix: "observation_space", tensors: parsed.tensors)
        let actionSpace = try space(m.actionSpace, prefix: "action_space", tensors: parsed.tensors)
        guard observationSpace.flatSize == architecture.observationSize else {
            throw FormatError("the observation space has \(observationSpace.flatSize) values, the network takes \(architecture.observationSize)")
        }
        let expected = algorithm.isOffPolicy
            ? ActionDistributionKind(offPolicy: algorithm, dimensions: actionSpace.flatSize)
            : ActionDistributionKind(actionSpace: actionSpace)
        guard expected == architecture.distribution, !(algorithm.isOffPolicy && actionSpace.isDiscrete) else {
            throw FormatError("the action space \(actionSpace) does not match a \(m.architecture.distribution) policy of \(m.architecture.outputs) outputs")
        }
        if case .box(let low, let high) = actionSpace, !(zip(low, high).allSatisfy { $0.isFinite && $1.isFinite }) {
            throw FormatError("the action space's bounds must be finite")
        }

        // Validated before allocating: a tiny file must not declare a network that is huge.
        guard architecture.parameterCount * MemoryLayout<Float>.size <= bytes.count else {
            throw FormatError("the header declares a network of \(architecture.parameterCount) parameters, more than the file's \(bytes.count) bytes hold")
        }
        var parameters = [Float](repeating: 0, count: architecture.parameterCount)
        for (name, offset, count, shape) in parameterTensors(architecture) {
            let values = try floats(name, shape: shape, in: parsed.tensors)
            guard values.allSatisfy({ $0.isFinite }) else { throw FormatError("tensor '\(name)' holds a NaN or infinity") }
            parameters.replaceSubrange(offset..<(offset + count), with: values)
        }
        let mean = try doubles("observation_normalization.mean", shape: [architecture.observationSize], in: parsed.tensors)
        let variance = try doubles("observation_normalization.variance", shape: [architecture.observationSize], in: parsed.tensors)
        guard mean.allSatisfy({ $0.isFinite }), variance.allSatisfy({ $0.isFinite && $0 >= 0 }),
              m.observationNormalization.count.isFinite, m.observationNormalization.count > 0,
              m.observationNormalization.clip > 0 else {
            throw FormatError("the observation normalization statistics are not finite and positive")
        }
        var normalizer = ObservationNormalizer(size: architecture.observationSize, enabled: m.observationNormalization.enabled,
                                               clip: m.observationNormalization.clip)
        normalizer.statistics = RunningMeanStd(mean: mean, variance: variance, count: m.observationNormalization.count)
        guard m.stepsTrained >= 0, m.updates >= 0, m.wallSeconds.isFinite else {
            throw FormatError("steps_trained, updates and wall_seconds must be non-negative numbers")
        }
        var policy = TrainedPolicy(envName: m.env.name, observationSpace: observationSpace, actionSpace: actionSpace,
                                   architecture: architecture, normalizer: normalizer, parameters: parameters,
                                   settings: m.settings, stepsTrained: m.stepsTrained, updates: m.updates,
                                   wallSeconds: m.wallSeconds, envScript: m.env.script, sourceHash: m.env.sourceHash)
        policy.scenarios = m.trainingScenarios ?? []
        var checkpoint: TrainingCheckpoint?
        if m.kind == "checkpoint" {
            guard let info = m.checkpoint else { throw FormatError("a checkpoint without its 'checkpoint' metadata") }
            checkpoint = try CheckpointTensors.decode(info, tensors: parsed.tensors, architecture: architecture,
                                                      settings: m.settings)
        }
        return PolicyDocument(policy: policy, checkpoint: checkpoint, formatVersion: "\(parsed.major).\(parsed.minor)",
                              gymVersion: m.gymVersion, createdAt: m.createdAt, byteCount: bytes.count)
    }

    // MARK: Pieces

    /// The network's tensors by name and shape, in file order.
    public static func parameterShapes(_ architecture: NetworkArchitecture) -> [(name: String, shape: [Int])] {
        parameterTensors(architecture).map { ($0.0, $0.3) }
    }

    /// Every parameter block as a named tensor: (name, offset in the flat buffer, count, shape).
    static func parameterTensors(_ architecture: NetworkArchitecture) -> [(String, Int, Int, [Int])] {
        var list: [(String, Int, Int, [Int])] = []
        func add(_ prefix: String, _ shape: MLPShape, at base: Int) {
            for l in 0..<shape.layerCount {
                let (inSize, outSize) = (shape.sizes[l], shape.sizes[l + 1])
                list.append(("\(prefix).\(l).weight", base + shape.weightOffset(l), inSize * outSize, [inSize, outSize]))
                list.append(("\(prefix).\(l).bias", base + shape.biasOffset(l), outSize, [outSize]))
            }
        }
        if let trunk = architecture.trunk { add("trunk", trunk, at: 0) }
        add("actor", architecture.actor, at: architecture.actorOffset)
        let extra = architecture.distribution.extraParameterCount
        if extra > 0 { list.append(("actor.log_std", architecture.logStdOffset, extra, [extra])) }
        for index in 0..<architecture.criticCount {
            // The first critic keeps PPO's names; a twin is `critic2`.
            add(index == 0 ? "critic" : "critic\(index + 1)", architecture.critic, at: architecture.criticOffset(index))
        }
        return list
    }

    private static func architecture(_ a: PolicyMetadata.Architecture,
                                     algorithm: PPOSettings.Algorithm) throws(FormatError) -> NetworkArchitecture {
        // The same bounds training enforces, so every policy gym can train, gym can load.
        guard (1...Space.maximumBoxSize).contains(a.observationSize), (1...Space.maximumDiscreteCount).contains(a.outputs),
              a.hidden.count <= PPOSettings.Limits.hiddenLayers,
              a.hidden.allSatisfy({ (1...PPOSettings.Limits.hiddenWidth).contains($0) }) else {
            throw FormatError("architecture out of bounds: observation_size \(a.observationSize), outputs \(a.outputs), hidden \(a.hidden)")
        }
        guard let activation = Activation(rawValue: a.activation) else { throw FormatError("unknown activation '\(a.activation)'") }
        if algorithm.isOffPolicy {
            let name = algorithm == .sac ? "squashed_gaussian" : "deterministic"
            let dimensions = algorithm == .sac ? a.outputs / 2 : a.outputs
            guard a.distribution == name, dimensions >= 1, dimensions * (algorithm == .sac ? 2 : 1) == a.outputs, !a.shared else {
                throw FormatError("a \(algorithm.rawValue) policy has a \(name) actor of separate networks, not '\(a.distribution)' with \(a.outputs) outputs\(a.shared ? " and a shared trunk" : "")")
            }
            return .offPolicy(algorithm, observationSize: a.observationSize, actionSize: dimensions, hidden: a.hidden,
                              activation: activation)
        }
        let distribution: ActionDistributionKind
        switch a.distribution {
        case "gaussian": distribution = .gaussian(dimensions: a.outputs)
        case "categorical":
            guard a.outputs >= 2 else { throw FormatError("a categorical policy needs at least 2 outputs") }
            distribution = .categorical(count: a.outputs)
        default: throw FormatError("unknown distribution '\(a.distribution)'")
        }
        guard !(a.shared && a.hidden.isEmpty) else { throw FormatError("a shared trunk needs a hidden layer") }
        return NetworkArchitecture(observationSize: a.observationSize, distribution: distribution, hidden: a.hidden,
                                   activation: activation, shared: a.shared)
    }

    private static func distributionName(_ kind: ActionDistributionKind) -> String {
        switch kind {
        case .gaussian: "gaussian"
        case .categorical: "categorical"
        case .deterministic: "deterministic"
        case .squashedGaussian: "squashed_gaussian"
        }
    }

    private static func spaceInfo(_ space: Space) -> PolicyMetadata.SpaceInfo {
        switch space {
        case .box(let low, _): .init(kind: "box", size: low.count)
        case .discrete(let n): .init(kind: "discrete", size: n)
        }
    }

    private static func space(_ info: PolicyMetadata.SpaceInfo, prefix: String,
                              tensors: [String: NamedTensor]) throws(FormatError) -> Space {
        let bound = info.kind == "discrete" ? Space.maximumDiscreteCount : Space.maximumBoxSize
        guard (1...bound).contains(info.size) else { throw FormatError("\(prefix) size \(info.size) is out of bounds") }
        switch info.kind {
        case "discrete":
            return .discrete(info.size)
        case "box":
            let low = try doubles("\(prefix).low", shape: [info.size], in: tensors)
            let high = try doubles("\(prefix).high", shape: [info.size], in: tensors)
            guard zip(low, high).allSatisfy({ !$0.isNaN && !$1.isNaN && $0 <= $1 }) else {
                throw FormatError("\(prefix) has a NaN bound or a low bound above its high bound")
            }
            return .box(low: low, high: high)
        default:
            throw FormatError("\(prefix) has unknown kind '\(info.kind)'")
        }
    }

    static func floats(_ name: String, shape: [Int], in tensors: [String: NamedTensor]) throws(FormatError) -> [Float] {
        try tensor(name, shape: shape, dtype: .f32, in: tensors) { if case .f32(let v) = $0 { v } else { nil } }
    }

    static func doubles(_ name: String, shape: [Int], in tensors: [String: NamedTensor]) throws(FormatError) -> [Double] {
        try tensor(name, shape: shape, dtype: .f64, in: tensors) { if case .f64(let v) = $0 { v } else { nil } }
    }

    static func words(_ name: String, shape: [Int], in tensors: [String: NamedTensor]) throws(FormatError) -> [UInt64] {
        try tensor(name, shape: shape, dtype: .u64, in: tensors) { if case .u64(let v) = $0 { v } else { nil } }
    }

    /// A required tensor of exactly this dtype and shape, or the error that says what was found.
    private static func tensor<Element>(_ name: String, shape: [Int], dtype: TensorEntry.DType,
                                        in tensors: [String: NamedTensor],
                                        values: (TensorValues) -> [Element]?) throws(FormatError) -> [Element] {
        guard let tensor = tensors[name] else { throw FormatError("tensor '\(name)' is missing") }
        guard tensor.shape == shape, let found = values(tensor.values) else {
            throw FormatError("tensor '\(name)' should be \(dtype.rawValue) of shape \(shape), found \(tensor.values.dtype.rawValue) of shape \(tensor.shape)")
        }
        return found
    }
}
