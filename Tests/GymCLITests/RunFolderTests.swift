import Foundation
import Testing
@testable import GymCLI
import PolicyFile
import RunLogs
import Synchronization

/// The run folder as a user meets it: one folder per run, continued by --resume, read by
/// TensorBoard, SB3's monitor readers and `gym plot`.
@Suite(.serialized) struct RunFolderTests {
    func lines(_ path: String) -> [Substring] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n")
    }

    func jsonRecords(_ path: String) throws -> [[String: Any]] {
        try lines(path).map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    /// Steps of the event file's records that hold an update's scalars.
    func eventSteps(_ folder: String) throws -> [Int] {
        let names = EventFile.eventFiles(in: folder)
        #expect(names.count == 1, "\(names)")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/" + names[0])))
        let read = EventFile.records(in: bytes)
        #expect(read.validLength == bytes.count)
        let tag = Array("train/value_loss".utf8)
        return read.records.filter { record in
            record.indices.contains { i in i + tag.count <= record.endIndex && Array(record[i..<(i + tag.count)]) == tag }
        }.map { EventFile.step(ofEvent: $0) }
    }

    /// A run killed (SIGKILL, no chance to clean up) after a checkpoint, with log lines past
    /// it, then resumed with no --run-dir: it continues in its own folder, and every file reads
    /// as one run: updates 1...N once each, steps increasing, one monitor row per episode.
    @Test func aKilledRunResumesInItsFolderAsOneUnbrokenCurve() async throws {
        let folder = try temporaryFolder()
        let run = "\(folder)/run"
        let arguments = ["train", "envs/pendulum.lua", "--steps", "81920", "--checkpoint-every", "3", "--eval-every", "2",
                         "--out", "\(folder)/p.policy", "--run-dir", run, "--quiet"]
        var killed = false
        for _ in 0..<4 where !killed {
            try? FileManager.default.removeItem(atPath: run)
            let process = Process()
            process.executableURL = gymExecutable
            process.arguments = arguments
            process.currentDirectoryURL = projectRoot
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Past the first checkpoint (update 3) by at least one logged update. The checkpoint
            // is written by the writer thread, which may still be syncing it (a busy disk) when
            // later updates are logged: wait for the file too, or there is nothing to resume.
            for _ in 0..<5000 where process.isRunning {
                if lines("\(run)/progress.jsonl").count >= 5
                    && FileManager.default.fileExists(atPath: "\(run)/checkpoint.policy") { break }
                try await Task.sleep(nanoseconds: 1_000_000)
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            killed = process.terminationReason == .uncaughtSignal
        }
        #expect(killed)
        let beforeResume = lines("\(run)/progress.jsonl").count
        let resumed = try gym(["train", "envs/pendulum.lua", "--steps", "81920", "--checkpoint-every", "3", "--eval-every", "2",
                               "--out", "\(folder)/p.policy", "--resume", "\(run)/checkpoint.policy"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("in \(run)."), "\(resumed.stdout)")
        #expect(!FileManager.default.fileExists(atPath: "runs/pendulum-resumed"))

        let records = try jsonRecords("\(run)/progress.jsonl")
        let updates = records.map { $0["update"] as! Int }
        #expect(updates == Array(1...20), "\(updates), \(beforeResume) lines before the resume")
        let steps = records.map { $0["timesteps"] as! Int }
        #expect(try eventSteps(run) == steps)
        let monitorRows = lines("\(run)/monitor.csv").dropFirst(2)
        #expect(monitorRows.count == records.last!["episodes"] as! Int)
        #expect(records.filter { $0["eval_return_mean"] is Double }.map { $0["update"] as! Int } == Array(stride(from: 2, through: 20, by: 2)))
        #expect(FileManager.default.fileExists(atPath: "\(run)/curves.svg"))
        #expect(FileManager.default.fileExists(atPath: "\(run)/best.policy"))

        if OutsideChecks.enabled {
            let check = try OutsideChecks.run("check_run_folder.py", [run], browser: true)
            #expect(check.status == 0, "\(check.output)")
            #expect(check.output.contains("0 failed"), "\(check.output)")
        }
    }

    /// With two threads an evaluation runs on the second while the next update runs on the
    /// first alone; with one it runs in turn. The logs are the same line for line (the clock's
    /// columns aside): the same evaluations, after the same updates, in the same order.
    /// (`aKilledRunResumesInItsFolderAsOneUnbrokenCurve` resumes from checkpoints written
    /// after an evaluation alongside.)
    @Test func evaluationsAlongsideTheNextUpdateLogWhatOneThreadLogs() throws {
        let folder = try temporaryFolder()
        var logs: [[[String: Any]]] = [], bestUpdates: [Int] = []
        for threads in ["1", "2"] {
            let run = "\(folder)/run\(threads)"
            let result = try gym(["train", "envs/cartpole.lua", "--steps", "6144", "--eval-every", "3",
                                  "--checkpoint-every", "6", "--threads", threads, "--seed", "4",
                                  "--out", "\(folder)/c\(threads).policy", "--run-dir", run, "--quiet"])
            #expect(result.status == 0, "\(result.stderr)")
            logs.append(try jsonRecords("\(run)/progress.jsonl"))
            // best.policy is the policy its evaluation saw: trained up to an evaluated update.
            let best = try gym(["inspect", "\(run)/best.policy"])
            let trained = try #require(best.stdout.firstMatch(of: /(\d+) steps in (\d+) updates/))
            bestUpdates.append(Int(trained.2)!)
        }
        let clock: Set<String> = ["wall_time", "steps_per_second"]
        func comparable(_ records: [[String: Any]]) -> [String] {
            records.map { record in
                record.filter { !clock.contains($0.key) }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            }
        }
        #expect(logs[0].count == 24 && comparable(logs[0]) == comparable(logs[1]))
        let evaluated = logs[1].filter { $0["eval_return_mean"] is Double }
        #expect(evaluated.map { $0["update"] as! Int } == [3, 6, 9, 12, 15, 18, 21, 24])
        let bestReturn = evaluated.map { $0["eval_return_mean"] as! Double }.max()!
        let firstBest = evaluated.first { $0["eval_return_mean"] as! Double == bestReturn }!["update"] as! Int
        #expect(bestUpdates == [firstBest, firstBest])
    }

    @Test(.enabled(if: OutsideChecks.enabled)) func tensorBoardsOwnReaderReadsAFreshRun() throws {
        let folder = try temporaryFolder()
        let result = try gym(["train", "envs/cartpole.lua", "--steps", "16384", "--eval-every", "4",
                              "--out", "\(folder)/c.policy", "--run-dir", "\(folder)/run"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Deterministic evaluation (5 episodes):"), "\(result.stdout)")
        let check = try OutsideChecks.run("check_run_folder.py", ["\(folder)/run"], browser: true)
        #expect(check.status == 0, "\(check.output)")
    }

    /// SAC's run folder: SB3's off-policy tags (actor and critic losses, the temperature)
    /// equal the log's columns, under TensorBoard's own reader.
    @Test(.enabled(if: OutsideChecks.enabled)) func tensorBoardReadsAnOffPolicyRun() throws {
        let folder = try temporaryFolder()
        let result = try gym(["train", "envs/pendulum.lua", "--algorithm", "sac", "--steps", "1200", "--n-steps", "200",
                              "--learning-starts", "300", "--hidden", "16,16", "--batch-size", "32", "--eval-every", "2",
                              "--out", "\(folder)/s.policy", "--run-dir", "\(folder)/run"])
        #expect(result.status == 0, "\(result.stderr)")
        let records = try jsonRecords("\(folder)/run/progress.jsonl")
        #expect(records.count == 6 && records.allSatisfy { $0["ent_coef"] is Double })
        let check = try OutsideChecks.run("check_run_folder.py", ["\(folder)/run"], browser: true)
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("the event file has every SB3 tag (sac)"), "\(check.output)")
    }

    @Test func noTensorboardWritesNoEventFileAndTheOtherLogsStill() throws {
        let folder = try temporaryFolder()
        let result = try gym(["train", "envs/cartpole.lua", "--steps", "2048", "--no-tensorboard",
                              "--out", "\(folder)/c.policy", "--run-dir", "\(folder)/run"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(EventFile.eventFiles(in: "\(folder)/run").isEmpty)
        for name in ["progress.jsonl", "monitor.csv", "curves.svg", "settings.json", "run.json", "best.policy"] {
            #expect(FileManager.default.fileExists(atPath: "\(folder)/run/\(name)"), "\(name)")
        }
    }

    /// Run folders are named in local time to the second, as a DateFormatter would write it.
    @Test func runFolderStampIsLocalTimeToTheSecond() {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        for seconds in [0.0, 1_795_478_400, 1_795_521_845.75, 1_800_000_000.999, 4_102_444_799] {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(Timestamps.compactLocal(date) == formatter.string(from: date), "\(seconds)")
        }
    }

    @Test func runFoldersNeverCollideEvenInTheSameSecond() throws {
        let parent = try temporaryFolder()
        let now = Date()
        let results = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let folder = try? RunRecorder.makeUniqueFolder(in: parent, stem: "cartpole", now: now)
            results.withLock { $0.append(folder ?? "failed") }
        }
        let made = results.withLock { $0 }
        #expect(Set(made).count == 8)
        #expect(!made.contains("failed"))
    }

    @Test func aRunFolderThatCannotBeMadeIsAnErrorBeforeTraining() throws {
        let folder = try temporaryFolder()
        try "not a folder".write(toFile: "\(folder)/file", atomically: false, encoding: .utf8)
        let result = try gym(["train", "envs/cartpole.lua", "--steps", "2048", "--out", "\(folder)/c.policy",
                              "--run-dir", "\(folder)/file/run"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(folder)/file/run"), "\(result.stderr)")
        #expect(!result.stderr.contains("update 1/"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/c.policy"))
    }

    @Test func plotOverlaysRunsAndAveragesSeeds() throws {
        let folder = try temporaryFolder()
        for (name, extra) in [("s1", ["--seed", "1"]), ("s2", ["--seed", "2"]), ("fast", ["--seed", "1", "--learning-rate", "0.003"])] {
            let result = try gym(["train", "envs/cartpole.lua", "--steps", "4096", "--quiet", "--out", "\(folder)/\(name).policy",
                                  "--run-dir", "\(folder)/runs/\(name)"] + extra)
            #expect(result.status == 0, "\(result.stderr)")
        }
        // A log line cut by a kill is skipped with a warning.
        let handle = FileHandle(forWritingAtPath: "\(folder)/runs/s2/progress.jsonl")!
        handle.seekToEndOfFile()
        handle.write(Data("{\"update\":9,\"timeste".utf8))
        handle.closeFile()
        let plot = try gym(["plot", "\(folder)/runs", "--out", "\(folder)/all.svg"])
        #expect(plot.status == 0, "\(plot.stderr)")
        #expect(plot.stdout.contains("3 runs in 2 curves (1 averaged over seeds)"), "\(plot.stdout)")
        #expect(plot.stderr.contains("progress.jsonl: line 17 is cut short"), "\(plot.stderr)")
        let svg = try String(contentsOfFile: "\(folder)/all.svg", encoding: .utf8)
        #expect(svg.contains("cartpole learning_rate 0.001 (mean of 2 seeds)"), "\(svg.prefix(2000))")
        #expect(svg.contains("fast learning_rate 0.003"))

        let empty = try gym(["plot", folder, "--out", "\(folder)/none.svg"])
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("not a run folder"), "\(empty.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/none.svg"))
    }

    @Test func checkValidatesTheTrainTableAndSuggestsTheNearestKey() throws {
        let source = try String(contentsOfFile: projectRoot.appendingPathComponent("envs/pendulum.lua").path, encoding: .utf8)
        let script = try temporaryFile(source.replacingOccurrences(of: "learning_rate =", with: "learnin_rate ="), name: "typo.lua")
        let result = try gym("check", script)
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAIL  train table: known settings with valid values"), "\(result.stdout)")
        #expect(result.stdout.contains("train.learnin_rate is not a setting; did you mean learning_rate?"), "\(result.stdout)")
    }
}
