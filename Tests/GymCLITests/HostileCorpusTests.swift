import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TestScratch

/// Every script in Tests/GymCLITests/Hostile/ was written to hang, exhaust, crash or fool gym.
/// Its first line says what each command must do with it:
///     -- expect: check=1 run=1 train=1 eval=2 record=2 report=2 message=<text in stderr> junit=valid
/// (`record` is `gym run --record FILE.html`, `report` is `gym eval --html FILE`.)
/// Each command must end by itself with that exit status (never a signal or a trap), within
/// its limits, with a message that names the file and holds no raw control characters, and
/// without its resident memory passing twice the default 64 MiB heap cap per script.
@Suite struct HostileCorpusTests {
    struct Expectation: CustomTestStringConvertible, Sendable {
        var file: String
        var statuses: [(command: String, status: Int32)]
        var message: String?
        var junitMustParse: Bool
        var testDescription: String { file }
    }

    static let folder = projectRoot.appendingPathComponent("Tests/GymCLITests/Hostile")
    static let rssLimitKiB = 2 * 64 * 1024

    static let corpus: [Expectation] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix(".lua") }.sorted().compactMap { file in
            guard let text = try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8),
                  let first = text.split(separator: "\n").first, first.hasPrefix("-- expect:") else { return nil }
            var spec = String(first.dropFirst("-- expect:".count))
            var junit = false
            if spec.hasSuffix(" junit=valid") { junit = true; spec.removeLast(" junit=valid".count) }
            var message: String?
            if let range = spec.range(of: "message=") {
                let text = String(spec[range.upperBound...])
                message = text == "none" ? nil : text
                spec = String(spec[..<range.lowerBound])
            }
            let statuses = spec.split(separator: " ").compactMap { pair -> (String, Int32)? in
                let parts = pair.split(separator: "=")
                guard parts.count == 2, let status = Int32(parts[1]) else { return nil }
                return (String(parts[0]), status)
            }
            return Expectation(file: file, statuses: statuses, message: message, junitMustParse: junit)
        }
    }()

    /// A policy for the corpus's spaces (Box(1) observations, Discrete(2) actions), trained once
    /// on a benign env, so `gym eval --env hostile.lua` gets past the space check.
    static let benignPolicy: String = {
        let folder = (try? TestScratch.folder("benign").path) ?? TestScratch.root.path
        let env = folder + "/benign.lua"
        try? """
            local env = { name = "Benign", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2),
                          max_steps = 50, state = {0} }
            function env:reset(rng) return {0} end
            function env:step(action) return {0}, 1, false end
            return env
            """.write(toFile: env, atomically: false, encoding: .utf8)
        _ = try? gym("train", env, "--steps", "256", "--envs", "1", "--n-steps", "128", "--out", folder + "/benign.policy",
                     "--run-dir", folder + "/run", "--quiet")
        return folder + "/benign.policy"
    }()

    @Test func theCorpusIsThere() {
        #expect(Self.corpus.count >= 30)
    }

    @Test(arguments: corpus)
    func hostileScriptEndsCleanly(_ expectation: Expectation) throws {
        let script = Self.folder.appendingPathComponent(expectation.file).path
        let scratch = try TestScratch.folder("hostile")
        defer { try? FileManager.default.removeItem(at: scratch) }
        // `train` runs twice: one env on the caller's thread, then two envs, whose second slice
        // steps its script on the helper thread.
        let runs = expectation.statuses.flatMap { command, expected in
            command == "train" ? [(command, expected, "1"), (command, expected, "2")] : [(command, expected, "1")]
        }
        for (command, expected, envs) in runs {
            let arguments: [String]
            switch command {
            case "check": arguments = ["check", script]
            case "run": arguments = ["run", script, "--episodes", "2"]
            case "record": arguments = ["run", script, "--episodes", "2", "--record", scratch.path + "/recording.html"]
            case "report":
                arguments = ["eval", Self.benignPolicy, "--env", script, "--episodes", "2", "--html", scratch.path + "/report.html"]
            case "train": arguments = ["train", script, "--steps", "4096", "--envs", envs, "--threads", envs,
                                       "--n-steps", "256", "--batch-size", "64", "--out", scratch.path + "/out.policy",
                                       "--run-dir", scratch.path + "/run-\(envs)", "--quiet"]
            case "eval" where expectation.file.hasPrefix("scenario_"):
                arguments = ["eval", "policies/pendulum.policy", "--scenario", script, "--junit", scratch.path + "/report.xml"]
            case "eval":
                #expect(FileManager.default.fileExists(atPath: Self.benignPolicy))
                arguments = ["eval", Self.benignPolicy, "--env", script, "--episodes", "2"]
            default: Issue.record("unknown command \(command) in \(expectation.file)"); continue
            }
            let started = Date()
            let result = try measuredGym(arguments)
            let seconds = Date().timeIntervalSince(started)
            let context = "\(expectation.file) \(command)\(command == "train" ? " --envs \(envs)" : ""): status \(result.status), signal \(result.signal), \(result.maxRSSKiB) KiB, \(String(format: "%.1f", seconds)) s\n\(result.stderr.prefix(600))"
            #expect(result.signal == 0, "killed by a signal: \(context)")
            #expect(result.status == expected, "\(context)")
            // The heap cap is per script: two envs are two scripts, each allowed 64 MiB.
            #expect(result.maxRSSKiB < Self.rssLimitKiB * Int(envs)!, "\(context)")
            // A hang detector, not a speed test: the limits end every case in seconds.
            #expect(seconds < 300, "\(context)")
            #expect(!result.stderr.utf8.contains(0x1B) && !result.stderr.utf8.contains(0), "raw control characters: \(context)")
            // `check` reports on stdout (its FAIL lines), the others on stderr.
            let report = command == "check" ? result.stdout : result.stderr
            #expect(!result.stdout.utf8.contains(0x1B) && !result.stdout.utf8.contains(0), "raw control characters: \(context)")
            // eval's exit 1 is a verdict on the policy (its table), not an error message.
            if expected != 0 && !(command == "eval" && expected == 1) {
                #expect(report.contains(expectation.file), "the message does not name the file: \(context)\n\(report.prefix(600))")
            }
            if let message = expectation.message, expected != 0 {
                #expect(report.contains(message), "\(context)\n\(report.prefix(600))")
            }
            if command == "record" || command == "report" {
                // No partial page: it exists only when recording succeeded.
                let page = scratch.path + (command == "record" ? "/recording.html" : "/report.html")
                #expect(FileManager.default.fileExists(atPath: page) == (expected == 0 || (command == "report" && expected == 1)), "\(context)")
            }
            if command == "train" {
                // --out is written only by a training that finished.
                #expect(FileManager.default.fileExists(atPath: scratch.path + "/out.policy") == (expected == 0), "\(context)")
            }
            if expectation.junitMustParse {
                let parser = XMLParser(contentsOf: scratch.appendingPathComponent("report.xml"))
                #expect(parser?.parse() == true, "the JUnit report is not well-formed XML: \(context)")
            }
        }
    }
}

struct MeasuredResult {
    var status: Int32
    var signal: Int32
    var maxRSSKiB: Int
    var stdout: String
    var stderr: String
}

/// Runs gym from the project root and samples its peak resident memory (VmHWM) while it runs.
/// (wait4's ru_maxrss would not do: Linux carries the high-water mark across exec, so a child
/// spawned from this test process starts with the test's own peak.)
func measuredGym(_ arguments: [String]) throws -> MeasuredResult {
    let folder = try TestScratch.folder("measured")
    defer { try? FileManager.default.removeItem(at: folder) }
    let outPath = folder.appendingPathComponent("stdout").path, errPath = folder.appendingPathComponent("stderr").path
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    // env -C runs gym from the project root; exec keeps the pid, so wait4 measures gym itself.
    let argv = ["/usr/bin/env", "-C", projectRoot.path, gymExecutable.path] + arguments
    var cArguments = argv.map { strdup($0) } + [nil]
    defer { for pointer in cArguments { free(pointer) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, argv[0], &actions, nil, &cArguments, environ)
    guard spawned == 0 else { throw CocoaError(.fileReadUnknown) }
    var status: Int32 = 0
    var peakKiB = 0
    while true {
        let waited = waitpid(pid, &status, WNOHANG)
        if waited == pid { break }
        if waited < 0 && errno != EINTR { break }
        if let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kib = Int(line.split(separator: " ").dropFirst().first ?? "") {
            peakKiB = max(peakKiB, kib)
        }
        usleep(5_000)
    }
    let signaled = (status & 0x7F) != 0 && (status & 0x7F) != 0x7F
    return MeasuredResult(status: signaled ? -1 : (status >> 8) & 0xFF, signal: signaled ? status & 0x7F : 0,
                          maxRSSKiB: peakKiB,
                          stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                          stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
}
