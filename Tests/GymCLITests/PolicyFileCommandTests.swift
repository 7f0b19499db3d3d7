import Foundation
import PolicyFile
import Testing

@Suite struct PolicyFileCommandTests {
    @Test func inspectDescribesAPolicyAsTextAndJSON() throws {
        let folder = try temporaryFolder()
        let train = try gym("train", "envs/cartpole.lua", "--steps", "512", "--seed", "4",
                            "--out", "\(folder)/cp.policy", "--run-dir", "\(folder)/run")
        #expect(train.status == 0, "\(train.stderr)")
        let text = try gym("inspect", "\(folder)/cp.policy")
        #expect(text.status == 0)
        for fragment in ["gym policy, format 1.0", "env:          CartPole (envs/cartpole.lua, fnv1a64:",
                         "actor.1.weight     64 x 64", "seed 4, 512 steps in 2 updates", "normalization: none"] {
            #expect(text.stdout.contains(fragment), "missing '\(fragment)' in\n\(text.stdout)")
        }
        let json = try gym("inspect", "\(folder)/cp.policy", "--json")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        #expect(object["format_version"] as? String == "1.0" && object["steps_trained"] as? Int == 512)
        #expect((object["env"] as? [String: Any])?["name"] as? String == "CartPole")
        // The run folder has a checkpoint and a best policy too.
        let checkpoint = try gym("inspect", "\(folder)/run/checkpoint.policy")
        #expect(checkpoint.stdout.contains("gym checkpoint") && checkpoint.stdout.contains("8 env states"))
        #expect(FileManager.default.fileExists(atPath: "\(folder)/run/best.policy"))
    }

    @Test func corruptAndForeignFilesGetOneLineErrors() throws {
        let folder = try temporaryFolder()
        let text = try temporaryFile("not a policy", name: "notes.policy")
        let foreign = try gym("inspect", text)
        #expect(foreign.status != 0)
        #expect(foreign.stderr.contains("\(text): not a gym policy file"))
        let train = try gym("train", "envs/pendulum.lua", "--steps", "256", "--n-steps", "64",
                            "--out", "\(folder)/p.policy", "--run-dir", "\(folder)/run")
        #expect(train.status == 0, "\(train.stderr)")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/p.policy"))
        bytes[bytes.count / 2] ^= 0x10
        try bytes.write(to: URL(fileURLWithPath: "\(folder)/flipped.policy"))
        let flipped = try gym("run", "envs/pendulum.lua", "--policy", "\(folder)/flipped.policy")
        #expect(flipped.status != 0)
        #expect(flipped.stderr.contains("flipped.policy: checksum mismatch"), "\(flipped.stderr)")
    }

    @Test func aChangedEnvScriptWarnsButLoads() throws {
        let folder = try temporaryFolder()
        let source = try String(contentsOfFile: projectRoot.appendingPathComponent("envs/pendulum.lua").path, encoding: .utf8)
        let script = "\(folder)/pendulum.lua"
        try source.write(toFile: script, atomically: false, encoding: .utf8)
        let train = try gym("train", script, "--steps", "256", "--n-steps", "64", "--out", "\(folder)/p.policy",
                            "--run-dir", "\(folder)/run")
        #expect(train.status == 0, "\(train.stderr)")
        try (source + "\n-- edited\n").write(toFile: script, atomically: false, encoding: .utf8)
        let run = try gym("run", script, "--policy", "\(folder)/p.policy")
        #expect(run.status == 0)
        #expect(run.stderr.contains("warning: \(script) changed since \(folder)/p.policy was trained on it"))
    }

    /// Ctrl-C during training saves a checkpoint and exits; resuming it to the same step count
    /// gives the same policy, bit for bit, as a run that was never interrupted.
    @Test func ctrlCThenResumeEqualsAnUninterruptedRun() async throws {
        let folder = try temporaryFolder()
        let common = ["envs/cartpole.lua", "--steps", "81920", "--seed", "8", "--checkpoint-every", "0"]
        let whole = try gym(["train"] + common + ["--out", "\(folder)/whole.policy", "--run-dir", "\(folder)/whole"])
        #expect(whole.status == 0, "\(whole.stderr)")

        // Interrupt once a few updates are logged. On a loaded machine this test's task may not
        // run again before training ends (status 0, no checkpoint to resume): then try again.
        var process = Process()
        var stderr = ""
        for _ in 0..<4 {
            try? FileManager.default.removeItem(atPath: "\(folder)/cut")
            try? FileManager.default.removeItem(atPath: "\(folder)/cut.policy")
            process = Process()
            process.executableURL = gymExecutable
            process.arguments = ["train"] + common + ["--out", "\(folder)/cut.policy", "--run-dir", "\(folder)/cut", "--quiet"]
            process.currentDirectoryURL = projectRoot
            process.standardOutput = FileHandle.nullDevice
            let errorPipe = Pipe()
            process.standardError = errorPipe
            try process.run()
            let log = "\(folder)/cut/progress.jsonl"
            for _ in 0..<2000 {
                let lines = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").count ?? 0
                if lines >= 5 { break }
                try await Task.sleep(nanoseconds: 2_000_000)
            }
            process.interrupt()
            process.waitUntilExit()
            stderr = String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            if process.terminationStatus != 0 { break }
        }
        #expect(process.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("stopping after the current update"), "\(stderr)")
        #expect(stderr.contains("SIGINT: stopped after"), "\(stderr)")
        #expect(stderr.contains("\(folder)/cut/partial.policy"), "\(stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/cut.policy"))
        // The hint repeats every flag the run was started with, so it can be pasted as it is.
        let hint = "gym train " + (common + ["--out", "\(folder)/cut.policy", "--run-dir", "\(folder)/cut", "--quiet"]).joined(separator: " ")
            + " --resume \(folder)/cut/checkpoint.policy"
        #expect(stderr.contains("resume with: \(hint)\n"), "\(stderr)")

        let resumed = try gym(hint.split(separator: " ").dropFirst().map(String.init))
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let a = try PolicyCodec.read(from: "\(folder)/whole.policy").policy
        let b = try PolicyCodec.read(from: "\(folder)/cut.policy").policy
        #expect(a.stepsTrained == b.stepsTrained)
        #expect(a.parameters == b.parameters)
    }
}
