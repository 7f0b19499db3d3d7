import Foundation
import Testing

/// `gym export --onnx`: the policy leaves gym and acts the same elsewhere.
@Suite struct ExportCommandTests {
    /// Every shipped policy, and one with a shared ReLU trunk and normalized observations,
    /// passes ONNX's own checker, and onnxruntime takes the actions gym takes.
    @Test(.enabled(if: OutsideChecks.enabled), arguments: [
        ("pendulum", "pendulum"), ("cartpole", "cartpole"), ("mountaincar_continuous", "mountaincar_continuous"),
        ("acrobot", "acrobot"), ("cartpole_robust", "cartpole"), ("shared_relu", "pendulum"),
        ("td3", "pendulum"), ("sac", "point_mass"),
    ])
    func exportedModelsActAsGymDoes(policy name: String, env: String) throws {
        let folder = try temporaryFolder()
        var policy = "policies/\(name).policy"
        if name == "shared_relu" {
            policy = "\(folder)/shared.policy"
            let trained = try gym(["train", "envs/pendulum.lua", "--steps", "8192", "--shared", "--activation", "relu",
                                   "--normalize-observations", "--hidden", "32,16", "--quiet", "--out", policy, "--run-dir", "\(folder)/run"])
            #expect(trained.status == 0, "\(trained.stderr)")
        }
        if name == "td3" || name == "sac" {
            // Off-policy actors: tanh-squashed into the box; SAC's means feed the action.
            policy = "\(folder)/\(name).policy"
            let trained = try gym(["train", "envs/\(env).lua", "--algorithm", name, "--steps", "600", "--learning-starts", "200",
                                   "--n-steps", "300", "--hidden", "32,16", "--normalize-observations", "--quiet",
                                   "--out", policy, "--run-dir", "\(folder)/run"])
            #expect(trained.status == 0, "\(trained.stderr)")
        }
        let exported = try gym(["export", policy, "--onnx", "\(folder)/model.onnx"])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stdout.contains("ONNX opset 13"))
        let run = try gym(["run", "envs/\(env).lua", "--policy", policy, "--episodes", "2", "--jsonl"])
        #expect(run.status == 0, "\(run.stderr)")
        try run.stdout.write(toFile: "\(folder)/run.jsonl", atomically: false, encoding: .utf8)
        let check = try OutsideChecks.run("check_onnx.py", ["\(folder)/model.onnx", "\(folder)/run.jsonl"])
        #expect(check.status == 0, "\(check.output)")
    }

    @Test func aCorruptPolicyOrAnUnwritablePathIsExitTwoWithNoFile() throws {
        let folder = try temporaryFolder()
        let bad = try temporaryFile("not a policy", name: "bad.policy")
        let corrupt = try gym(["export", bad, "--onnx", "\(folder)/bad.onnx"])
        #expect(corrupt.status == 2)
        #expect(corrupt.stderr.contains(bad), "\(corrupt.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/bad.onnx"))
        try "x".write(toFile: "\(folder)/file", atomically: false, encoding: .utf8)
        let unwritable = try gym(["export", "policies/pendulum.policy", "--onnx", "\(folder)/file/p.onnx"])
        #expect(unwritable.status == 2)
        #expect(unwritable.stderr.contains("\(folder)/file"), "\(unwritable.stderr)")
    }
}
