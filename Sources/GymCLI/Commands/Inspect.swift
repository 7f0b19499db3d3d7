import ArgumentParser
import Foundation
import PolicyFile
import PPO

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a policy or checkpoint file.",
        discussion: """
        Prints the format version, the env it was trained on (name, script, source hash), the \
        spaces, the network's tensors, the observation normalization, the training settings \
        and seed, steps trained, wall time, when it was written and its size. The file is fully \
        validated first (checksum, every length and offset, shapes, finite numbers).

          gym inspect policies/pendulum.policy
          gym inspect policies/pendulum.policy --json
        """
    )

    @Argument(help: "The policy or checkpoint file.")
    var file: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let document = try PolicyCodec.read(from: file)
        let p = document.policy
        let a = p.architecture
        let settings = try JSONSerialization.jsonObject(with: JSONEncoder().encode(p.settings))
        if json {
            var object: [String: Any] = [
                "file": file, "format_version": document.formatVersion, "gym_version": document.gymVersion,
                "kind": document.checkpoint == nil ? "policy" : "checkpoint", "created_at": document.createdAt,
                "bytes": document.byteCount,
                "env": ["name": p.envName, "script": p.envScript as Any, "source_hash": p.sourceHash as Any],
                "observation_space": "\(p.observationSpace)", "action_space": "\(p.actionSpace)",
                "network": [
                    "distribution": describe(a.distribution), "hidden": a.hidden, "activation": a.activation.rawValue,
                    "shared": a.shared, "parameters": a.parameterCount,
                    "tensors": PolicyCodec.parameterShapes(a).map { ["name": $0.name, "shape": $0.shape] },
                ],
                "observation_normalization": [
                    "enabled": p.normalizer.enabled, "clip": p.normalizer.clip, "count": p.normalizer.statistics.count,
                    "mean": p.normalizer.statistics.mean, "variance": p.normalizer.statistics.variance,
                ],
                "settings": settings, "seed": p.settings.seed, "steps_trained": p.stepsTrained,
                "updates": p.updates, "wall_seconds": p.wallSeconds,
            ]
            if let checkpoint = document.checkpoint {
                object["checkpoint"] = ["adam_step": checkpoint.adamStep, "kl_coef": checkpoint.klCoef,
                                        "envs": checkpoint.environments.count,
                                        "episodes_completed": checkpoint.episodesCompleted]
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
            Console.line(String(decoding: data, as: UTF8.self))
            return
        }
        var lines: [String] = []
        lines.append("\(file): gym \(document.checkpoint == nil ? "policy" : "checkpoint"), format \(document.formatVersion), written by gym \(document.gymVersion) at \(document.createdAt), \(document.byteCount) bytes")
        lines.append("env:          \(p.envName)" + (p.envScript.map { " (\($0), \(p.sourceHash ?? "no hash"))" } ?? ""))
        lines.append("observation:  \(p.observationSpace)")
        lines.append("action:       \(p.actionSpace)")
        let parts = a.shared ? "shared trunk" : a.criticCount == 2 ? "actor and twin critics of (observation, action)"
            : a.criticsTakeActions ? "actor and a critic of (observation, action)" : "separate actor and critic"
        lines.append("network:      \(parts), hidden \(a.hidden), \(a.activation.rawValue), \(describe(a.distribution)), \(a.parameterCount) parameters")
        for (name, shape) in PolicyCodec.parameterShapes(a) {
            lines.append("              \(name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(shape.map(String.init).joined(separator: " x "))")
        }
        let n = p.normalizer
        lines.append("normalization: " + (n.enabled
            ? "observations, clip ±\(n.clip), count \(n.statistics.count)\n              mean \(format(n.statistics.mean))\n              std  \(format(n.statistics.variance.map { $0.squareRoot() }))"
            : "none"))
        let s = p.settings
        if s.algorithm.isOffPolicy {
            lines.append("training:     \(s.algorithm.rawValue.uppercased()), seed \(s.seed), \(p.stepsTrained) steps, \(String(format: "%.1f", p.wallSeconds)) s")
            lines.append("              \(s.envs) env\(s.envs == 1 ? "" : "s"), buffer \(s.bufferSize), batch \(s.batchSize), lr \(s.learningRate), gamma \(s.gamma), tau \(s.tau), learning starts \(s.learningStarts), train freq \(s.trainFreq), gradient steps \(s.gradientSteps)"
                         + (s.noiseCorrelation > 0 ? ", noise correlation \(s.noiseCorrelation)" : ""))
        } else {
            lines.append("training:     PPO \(s.objective.rawValue), seed \(s.seed), \(p.stepsTrained) steps in \(p.updates) updates, \(String(format: "%.1f", p.wallSeconds)) s")
            lines.append("              \(s.envs) envs x \(s.nSteps) steps, \(s.epochs) epochs of \(s.batchSize), lr \(s.learningRate)\(s.annealLearningRate ? " annealed" : ""), gamma \(s.gamma), lambda \(s.gaeLambda), clip \(s.clipRange)\(s.annealClipRange ? " annealed" : ""), ent \(s.entCoef)")
        }
        if let c = document.checkpoint {
            lines.append("checkpoint:   Adam step \(c.adamStep), KL coefficient \(c.klCoef), \(c.environments.count) env states, \(c.episodesCompleted) episodes completed")
        }
        Console.line(lines.joined(separator: "\n"))
    }

    private func describe(_ distribution: ActionDistributionKind) -> String {
        switch distribution {
        case .gaussian(let d): "Gaussian policy over \(d) action value\(d == 1 ? "" : "s")"
        case .categorical(let n): "categorical policy over \(n) actions"
        case .deterministic(let d): "deterministic tanh-squashed policy over \(d) action value\(d == 1 ? "" : "s")"
        case .squashedGaussian(let d): "tanh-squashed Gaussian policy over \(d) action value\(d == 1 ? "" : "s")"
        }
    }

    private func format(_ values: [Double]) -> String {
        "[" + values.map { String(format: "%.4g", $0) }.joined(separator: ", ") + "]"
    }
}
