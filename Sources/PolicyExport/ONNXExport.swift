import Environments
import Foundation
import PPO
import Protobuf

/// A trained policy as an ONNX model (opset 13), written by gym itself: the raw observation in,
/// the action `gym run --policy` takes out (observation normalization with its clip, the
/// network, then the mean clipped to the box or the argmax), plus the critic's value and the
/// distribution's parameters as extra outputs. Inputs are batches: `observation` is [N, obs].
public enum ONNXExport {
    public static let opset: Int64 = 13
    /// ONNX IR version 8: what opset 13's runtimes all read.
    public static let irVersion: Int64 = 8

    public struct Metadata: Sendable {
        public var gymVersion: String
        public var policyHash: String
        public init(gymVersion: String, policyHash: String) {
            self.gymVersion = gymVersion
            self.policyHash = policyHash
        }
    }

    public static func model(_ policy: TrainedPolicy, metadata: Metadata) -> [UInt8] {
        var graph = Graph()
        let a = policy.architecture
        var x = "observation"
        // Normalization, as ObservationNormalizer does it: (x - mean) / sqrt(var + 1e-8), clipped.
        if policy.normalizer.enabled {
            let statistics = policy.normalizer.statistics
            let std = statistics.variance.map { Float(($0 + 1e-8).squareRoot()) }
            let clip = Float(policy.normalizer.clip)
            x = graph.node("Sub", [x, graph.constant("normalization.mean", statistics.mean.map(Float.init), [a.observationSize])])
            x = graph.node("Div", [x, graph.constant("normalization.std", std, [a.observationSize])])
            x = graph.node("Clip", [x, graph.constant("normalization.low", [-clip], []), graph.constant("normalization.high", [clip], [])])
        }
        let p = policy.parameters
        if a.distribution.isSquashed {
            squashedOutputs(policy, graph: &graph, normalized: x)
            return serialize(policy, graph: graph, metadata: metadata)
        }
        var trunkOutput = x
        if let trunk = a.trunk { trunkOutput = graph.mlp(trunk, parameters: p, offset: 0, input: x, name: "trunk") }
        let head = graph.mlp(a.actor, parameters: p, offset: a.actorOffset, input: trunkOutput, name: "actor")
        let value = graph.mlp(a.critic, parameters: p, offset: a.criticOffset, input: trunkOutput, name: "critic")
        var outputs: [(String, String, Int, Int32)] = []  // name, source, width, element type
        switch (a.distribution, policy.actionSpace) {
        case (.gaussian(let d), .box(let low, let high)):
            let lowTensor = graph.constant("action.low", low.map(Float.init), [d])
            let highTensor = graph.constant("action.high", high.map(Float.init), [d])
            let action = graph.node("Max", [graph.node("Min", [head, highTensor]), lowTensor])
            let logStd = graph.constant("actor.log_std", Array(p[a.logStdOffset..<(a.logStdOffset + d)]), [d])
            outputs = [("action", action, d, 1), ("value", value, 1, 1), ("mean", head, d, 1), ("log_std", logStd, -d, 1)]
        case (.categorical(let n), _):
            let action = graph.node("ArgMax", [head], attributes: [("axis", 1), ("keepdims", 0)])
            outputs = [("action", action, 0, 7), ("value", value, 1, 1), ("logits", head, n, 1)]
        default:
            preconditionFailure("a Gaussian policy always has a box action space")
        }
        for (name, source, width, type) in outputs {
            graph.node("Identity", [source], output: name)
            graph.outputs.append(valueInfo(name, type: type, dims: width == 0 ? ["N"] : width < 0 ? [String(-width)] : ["N", String(width)]))
        }
        return serialize(policy, graph: graph, metadata: metadata)
    }

    /// DDPG, TD3 and SAC: the action is tanh of the actor's output (SAC: of its means) scaled to
    /// the box, as `gym run --policy` takes it; `value` is the first critic's value of it, and
    /// SAC adds its `mean` and `log_std` outputs.
    static func squashedOutputs(_ policy: TrainedPolicy, graph: inout Graph, normalized x: String) {
        let a = policy.architecture, p = policy.parameters
        guard case .box(let low, let high) = policy.actionSpace else { preconditionFailure("a squashed policy needs a box") }
        let d = low.count
        var outputs: [(String, String, Int)] = []
        var head: String
        if case .squashedGaussian = a.distribution {
            // The last layer's first d columns give the means, the other d the log stds: two
            // heads on the shared hidden layers, so no Slice is needed.
            var hiddenShape = a.actor
            hiddenShape.sizes.removeLast()
            hiddenShape.activatesOutput = true
            let hidden = a.hidden.isEmpty ? x : graph.mlp(hiddenShape, parameters: p, offset: a.actorOffset, input: x, name: "actor")
            let last = a.actor.layerCount - 1, inSize = a.actor.sizes[last], outSize = 2 * d
            let w = a.actorOffset + a.actor.weightOffset(last), b = a.actorOffset + a.actor.biasOffset(last)
            func columns(_ range: Range<Int>) -> (String, String) {
                let weights = (0..<inSize).flatMap { row in range.map { p[w + row * outSize + $0] } }
                let name = range.lowerBound == 0 ? "mean" : "log_std"
                return (graph.constant("actor.\(last).\(name).weight", weights, [inSize, d]),
                        graph.constant("actor.\(last).\(name).bias", range.map { p[b + $0] }, [d]))
            }
            let (meanWeight, meanBias) = columns(0..<d), (logStdWeight, logStdBias) = columns(d..<(2 * d))
            head = graph.node("Add", [graph.node("MatMul", [hidden, meanWeight]), meanBias])
            let rawLogStd = graph.node("Add", [graph.node("MatMul", [hidden, logStdWeight]), logStdBias])
            let logStd = graph.node("Min", [graph.node("Max", [rawLogStd, graph.constant("log_std.low", [-20], [])]),
                                            graph.constant("log_std.high", [2], [])])
            outputs += [("mean", head, d), ("log_std", logStd, d)]
        } else {
            head = graph.mlp(a.actor, parameters: p, offset: a.actorOffset, input: x, name: "actor")
        }
        let squashed = graph.node("Tanh", [head])
        // low + (s + 1) · (high - low) / 2, then clipped to the box, as SquashedActions.toBox.
        let halfRange = graph.constant("action.half_range", zip(low, high).map { Float(0.5 * ($1 - $0)) }, [d])
        let lowTensor = graph.constant("action.low", low.map(Float.init), [d])
        let highTensor = graph.constant("action.high", high.map(Float.init), [d])
        let scaled = graph.node("Add", [lowTensor, graph.node("Mul", [graph.node("Add", [squashed, graph.constant("one", [1], [])]), halfRange])])
        let action = graph.node("Max", [graph.node("Min", [scaled, highTensor]), lowTensor])
        let criticInput = graph.node("Concat", [x, squashed], attributes: [("axis", 1)])
        let value = graph.mlp(a.critic, parameters: p, offset: a.criticOffset, input: criticInput, name: "critic")
        outputs = [("action", action, d), ("value", value, 1)] + outputs
        for (name, source, width) in outputs {
            graph.node("Identity", [source], output: name)
            graph.outputs.append(valueInfo(name, type: 1, dims: ["N", String(width)]))
        }
    }

    /// The model around a finished graph: its input, metadata and opset.
    static func serialize(_ policy: TrainedPolicy, graph: Graph, metadata: Metadata) -> [UInt8] {
        var graph = graph
        let a = policy.architecture
        graph.inputs.append(valueInfo("observation", type: 1, dims: ["N", String(a.observationSize)]))

        var body = ProtobufMessage()
        for node in graph.nodes { body.message(1, node) }
        body.string(2, "gym_policy")
        for tensor in graph.initializers { body.message(5, tensor) }
        body.string(10, "A policy trained by gym on \(policy.envName). Input: raw observations [N, \(a.observationSize)]. "
                        + "Output `action`: the deterministic action gym run --policy takes.")
        for input in graph.inputs { body.message(11, input) }
        for output in graph.outputs { body.message(12, output) }

        var model = ProtobufMessage()
        model.int64(1, irVersion)
        model.string(2, "gym")
        model.string(3, metadata.gymVersion)
        model.string(6, "\(policy.envName) policy (\(policy.architecture.hidden), \(policy.architecture.activation.rawValue)), "
                        + "trained for \(policy.stepsTrained) steps")
        model.message(7, body)
        var opset = ProtobufMessage()
        opset.string(1, "")
        opset.int64(2, ONNXExport.opset)
        model.message(8, opset)
        let properties: [(String, String)] = [
            ("env", policy.envName), ("env_script", policy.envScript ?? ""), ("observation_space", "\(policy.observationSpace)"),
            ("action_space", "\(policy.actionSpace)"), ("gym_version", metadata.gymVersion), ("policy_hash", metadata.policyHash),
            ("steps_trained", String(policy.stepsTrained)),
        ]
        for (key, value) in properties {
            var entry = ProtobufMessage()
            entry.string(1, key)
            entry.string(2, value)
            model.message(14, entry)
        }
        return model.bytes
    }

    static func valueInfo(_ name: String, type: Int32, dims: [String]) -> ProtobufMessage {
        var shape = ProtobufMessage()
        for d in dims {
            var dim = ProtobufMessage()
            if let value = Int64(d) { dim.int64(1, value) } else { dim.string(2, d) }
            shape.message(1, dim)
        }
        var tensor = ProtobufMessage()
        tensor.int64(1, Int64(type))
        tensor.message(2, shape)
        var typeProto = ProtobufMessage()
        typeProto.message(1, tensor)
        var info = ProtobufMessage()
        info.string(1, name)
        info.message(2, typeProto)
        return info
    }

    /// Nodes and initializers under construction; names are made unique by a counter.
    struct Graph {
        var nodes: [ProtobufMessage] = []
        var initializers: [ProtobufMessage] = []
        var inputs: [ProtobufMessage] = []
        var outputs: [ProtobufMessage] = []
        private var count = 0

        mutating func constant(_ name: String, _ values: [Float], _ dims: [Int]) -> String {
            var tensor = ProtobufMessage()
            tensor.packedInt64(1, dims.map(Int64.init))
            tensor.int64(2, 1)  // FLOAT
            tensor.string(8, name)
            var raw: [UInt8] = []
            raw.reserveCapacity(values.count * 4)
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
            tensor.data(9, raw)
            initializers.append(tensor)
            return name
        }

        @discardableResult
        mutating func node(_ op: String, _ inputs: [String], output: String? = nil, attributes: [(String, Int64)] = []) -> String {
            count += 1
            let out = output ?? "\(op.lowercased())_\(count)"
            var node = ProtobufMessage()
            for input in inputs { node.string(1, input) }
            node.string(2, out)
            node.string(3, "\(op)_\(count)")
            node.string(4, op)
            for (name, value) in attributes {
                var attribute = ProtobufMessage()
                attribute.string(1, name)
                attribute.int64(3, value)
                attribute.int64(20, 2)  // INT
                node.message(5, attribute)
            }
            nodes.append(node)
            return out
        }

        /// y = x W + b per layer (W stored [in, out], as gym keeps it), activated but the last
        /// unless the shape activates its output.
        mutating func mlp(_ shape: MLPShape, parameters: [Float], offset: Int, input: String, name: String) -> String {
            var x = input
            for l in 0..<shape.layerCount {
                let inSize = shape.sizes[l], outSize = shape.sizes[l + 1]
                let w = offset + shape.weightOffset(l), b = offset + shape.biasOffset(l)
                let weight = constant("\(name).\(l).weight", Array(parameters[w..<(w + inSize * outSize)]), [inSize, outSize])
                let bias = constant("\(name).\(l).bias", Array(parameters[b..<(b + outSize)]), [outSize])
                x = node("Add", [node("MatMul", [x, weight]), bias])
                if l < shape.layerCount - 1 || shape.activatesOutput {
                    x = node(shape.activation == .tanh ? "Tanh" : "Relu", [x])
                }
            }
            return x
        }
    }
}
