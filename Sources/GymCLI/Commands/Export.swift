import ArgumentParser
import Foundation
import PolicyExport
import PolicyFile

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a policy as an ONNX model, to run it outside gym.",
        usage: "gym export <policy> --onnx <onnx>",
        discussion: """
        Writes an ONNX model (opset 13) that maps raw observations [N, obs] to the action gym run \
        --policy takes: the policy's observation normalization with its clip, the network, then \
        the mean clipped to the box (output `action`, float [N, act]) or the most likely action \
        (`action`, int64 [N]). Extra outputs: `value` (the critic), and `mean` and `log_std` \
        (box) or `logits` (discrete). The model's metadata names the env, its spaces, the gym \
        version and the policy file's hash. Any ONNX runtime runs it (onnxruntime, ONNX.js, \
        Unity Barracuda/Sentis, ...). A policy that cannot be read or a path that cannot be \
        written: exit 2, no file.

          gym export policies/pendulum.policy --onnx pendulum.onnx
        """
    )

    @Argument(help: "The policy file.")
    var policy: String

    @Option(help: "Where to write the ONNX model.")
    var onnx: String

    func run() throws {
        do {
            try AtomicFile.checkWritable(onnx)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: policy))
            let trained = try PolicyCodec.read(from: policy).policy
            let model = ONNXExport.model(trained, metadata: .init(gymVersion: GymVersion.current, policyHash: SourceHash.of([UInt8](bytes))))
            try AtomicFile.write(model, to: onnx)
            Console.line("Wrote \(onnx): \(trained.envName) policy, \(model.count) bytes, ONNX opset \(ONNXExport.opset).")
        } catch {
            Console.errorLine("Error: \(error)")
            throw ExitCode(2)
        }
    }
}
