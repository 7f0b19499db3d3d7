import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// `gym run --record`: what a user records, opens and shares.
@Suite struct RecordCommandTests {
    let pendulum = ["run", "envs/pendulum.lua", "--policy", "policies/pendulum.policy", "--episodes", "2"]

    @Test func recordingNeverChangesTheEpisodes() throws {
        let folder = try temporaryFolder()
        let plain = try gym(pendulum + ["--jsonl"])
        let recorded = try gym(pendulum + ["--jsonl", "--record", "\(folder)/p.html"])
        #expect(plain.status == 0 && recorded.status == 0, "\(recorded.stderr)")
        #expect(plain.stdout == recorded.stdout)
        #expect(plain.stdout.split(separator: "\n").count == 402)
        let page = try String(contentsOfFile: "\(folder)/p.html", encoding: .utf8)
        #expect(page.contains("<!DOCTYPE html>"))
        #expect(!page.contains("src=\"http"), "no external scripts")
    }

    @Test(.enabled(if: OutsideChecks.enabled)) func recordingsPlayInHeadlessChromiumWithoutNetworkOrErrors() throws {
        let folder = try temporaryFolder()
        let withPictures = try gym(pendulum + ["--record", "\(folder)/pendulum.html"])
        #expect(withPictures.status == 0, "\(withPictures.stderr)")
        let check = try OutsideChecks.run("check_html.py", ["\(folder)/pendulum.html", "--expect", "step 0 / 200",
                                                            "--expect", "<polygon", "--expect", "obs[3]"], browser: true)
        #expect(check.status == 0, "\(check.output)")
        // An env with no render: the traces are the picture.
        let plain = try temporaryFile("""
            local env = { name = "Plain", observation_space = gym.box({-10, -10}, {10, 10}), action_space = gym.discrete(3),
                          max_steps = 40, state = {0, 0} }
            function env:reset(rng) self.state = {rng:uniform(-1, 1), 0}; return {self.state[1], 0} end
            function env:step(a) self.state[2] = self.state[2] + (a - 1) * 0.1; self.state[1] = self.state[1] + self.state[2]
              return {math.max(-10, math.min(10, self.state[1])), self.state[2]}, -math.abs(self.state[1]), false end
            return env
            """, name: "plain.lua")
        let traced = try gym(["run", plain, "--record", "\(folder)/plain.html"])
        #expect(traced.status == 0, "\(traced.stderr)")
        let tracedCheck = try OutsideChecks.run("check_html.py", ["\(folder)/plain.html", "--expect", "step 0 / 40", "--expect", "observation"], browser: true)
        #expect(tracedCheck.status == 0, "\(tracedCheck.output)")
    }

    @Test func anSVGStillOfOneStep() throws {
        let folder = try temporaryFolder()
        let result = try gym(["run", "envs/cartpole.lua", "--policy", "policies/cartpole.policy", "--record", "\(folder)/still.svg", "--frame", "100"])
        #expect(result.status == 0, "\(result.stderr)")
        let svg = try String(contentsOfFile: "\(folder)/still.svg", encoding: .utf8)
        #expect(XMLParser(data: Data(svg.utf8)).parse())
        #expect(svg.contains("<polygon"))
        #expect(svg.contains(">t = 100</text>"))
    }

    @Test func badRecordingsExitTwoAndWriteNothing() throws {
        let folder = try temporaryFolder()
        try "x".write(toFile: "\(folder)/file", atomically: false, encoding: .utf8)
        let broken = try temporaryFile("""
            local env = { name = "Broken", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2),
                          max_steps = 10, state = {0} }
            function env:reset(rng) return {0} end
            function env:step(a) return {0}, 0, false end
            function env:render(draw, last)
              if last.t == 3 then draw:circle(0, 0, 0/0) end
            end
            return env
            """, name: "broken_render.lua")
        let cases: [([String], String, String)] = [
            (["run", "envs/cartpole.lua", "--record", "\(folder)/out.txt"], "\(folder)/out.txt", "use .html, .svg, .mp4 or .gif"),
            (["run", "envs/cartpole.lua", "--record", "\(folder)/file/out.html"], "\(folder)/file/out.html", "\(folder)/file"),
            (["run", "envs/cartpole.lua", "--record", "\(folder)/late.svg", "--frame", "100000"], "\(folder)/late.svg", "--frame 100000"),
            (["run", broken, "--record", "\(folder)/broken.html"], "\(folder)/broken.html", "broken_render.lua:6"),
        ]
        for (arguments, output, message) in cases {
            let result = try gym(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output), "\(output)")
        }
        let noisy = try gym(["run", broken, "--record", "\(folder)/broken.html"])
        #expect(noisy.stderr.contains("radius must be a finite number"), "\(noisy.stderr)")
        #expect(noisy.stderr.contains("render"), "\(noisy.stderr)")
    }
}

/// `gym eval --html`: the page a team attaches to a CI run.
@Suite struct EvalReportTests {
    @Test func theHTMLReportHasTheVerdictTheTableAndReplaysOfFailingAndPassingEpisodes() throws {
        let folder = try temporaryFolder()
        let result = try gym(["eval", "policies/cartpole.policy", "--scenario", "scenarios/cartpole/", "--html", "\(folder)/report.html",
                              "--json", "\(folder)/report.json"])
        #expect(result.status == 1, "push and stays_centered fail: \(result.stderr)")
        let page = try String(contentsOfFile: "\(folder)/report.html", encoding: .utf8)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(folder)/report.json"))) as! [String: Any]
        let failed = (json["results"] as! [[String: Any]]).filter { ($0["verdict"] as! String) == "fail" }.count
        #expect(failed == 2)
        #expect(page.contains("FAIL: \(failed) of 5 failed"))
        #expect(page.contains("first failing, episode"))
        #expect(page.contains("passing, episode"))
        #expect(page.contains("cart at x="), "a ctx:fail message is listed")
        #expect(!page.contains("src=\"http"))
        if OutsideChecks.enabled {
            let check = try OutsideChecks.run("check_html.py", ["\(folder)/report.html", "--expect", "gym evaluation report",
                                                                "--expect", "first failing", "--expect", "step 0 / "], browser: true)
            #expect(check.status == 0, "\(check.output)")
        }
    }

    @Test func anUnwritableReportIsExitTwoBeforeAnyEvaluation() throws {
        let folder = try temporaryFolder()
        try "x".write(toFile: "\(folder)/file", atomically: false, encoding: .utf8)
        let result = try gym(["eval", "policies/cartpole.policy", "--html", "\(folder)/file/report.html"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(folder)/file"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}

/// `gym run --record FILE.mp4 / .gif`: real video through ffmpeg.
@Suite struct VideoRecordingTests {
    static let ffprobe = ["/usr/bin/ffprobe", "/usr/local/bin/ffprobe"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var enabled: Bool { ffprobe != nil || OutsideChecks.required }

    func frames(_ path: String) throws -> Int? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.ffprobe))
        process.arguments = ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames",
                             "-of", "default=nokey=1:noprint_wrappers=1", path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test(.enabled(if: enabled)) func aVideoHasOneFramePerStepPlusTheReset() throws {
        let folder = try temporaryFolder()
        let mp4 = try gym(["run", "envs/pendulum.lua", "--policy", "policies/pendulum.policy", "--record", "\(folder)/p.mp4"])
        #expect(mp4.status == 0, "\(mp4.stderr)")
        #expect(try frames("\(folder)/p.mp4") == 201)
        let gif = try gym(["run", "envs/acrobot.lua", "--policy", "policies/acrobot.policy", "--record", "\(folder)/a.gif"])
        #expect(gif.status == 0, "\(gif.stderr)")
        let steps = try #require(Int(gif.stdout.split(separator: " ")[5]), "\(gif.stdout)")  // "episode 1: return R over N steps"
        #expect(try frames("\(folder)/a.gif") == steps + 1)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func withoutFFmpegAVideoIsExitTwoNamingThePackage() throws {
        let folder = try temporaryFolder()
        let process = Process()
        process.executableURL = gymExecutable
        process.arguments = ["run", "envs/pendulum.lua", "--record", "\(folder)/p.mp4"]
        process.currentDirectoryURL = projectRoot
        process.environment = ["PATH": folder]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 2, "\(stderr)")
        #expect(stderr.contains("Debian package `ffmpeg`"), "\(stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }
}
