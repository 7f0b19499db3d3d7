import Foundation
import Testing
@testable import RunLogs

@Suite struct MonitorFileTests {
    @Test func writesStableBaselinesMonitorFormat() throws {
        let path = try temporaryFolder() + "/monitor.csv"
        let monitor = try MonitorFile(path: path, envID: "Pendulum", now: 1000.5)
        try monitor.append([(reward: -1234.5678901, length: 200), (reward: 500, length: 500)], now: 1002.25)
        try monitor.flush()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == """
            #{"t_start": 1000.5, "env_id": "Pendulum"}
            r,l,t
            -1234.56789,200,1.75
            500.0,500,1.75

            """)
    }

    @Test func resumingKeepsTheStartTimeAndTheEpisodesUpToTheCheckpoint() throws {
        let path = try temporaryFolder() + "/monitor.csv"
        do {
            let monitor = try MonitorFile(path: path, envID: "CartPole", now: 10)
            try monitor.append([(1, 1), (2, 2), (3, 3)], now: 11)
        }
        // Half a line from a kill, then a resume from a checkpoint that had seen two episodes.
        let handle = FileHandle(forWritingAtPath: path)!
        handle.seekToEndOfFile()
        handle.write(Data("4.0,4".utf8))
        handle.closeFile()
        let resumed = try MonitorFile(path: path, envID: "CartPole", keepingEpisodes: 2, now: 50)
        #expect(resumed.startTime == 10)
        try resumed.append([(9, 9)], now: 52)
        try resumed.flush()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines == [#"#{"t_start": 10.0, "env_id": "CartPole"}"#, "r,l,t", "1.0,1,1.0", "2.0,2,1.0", "9.0,9,42.0"])
    }

    @Test func numbersAreWrittenAsPythonRoundsThem() {
        #expect(MonitorFile.number(500) == "500.0")
        #expect(MonitorFile.number(-0.0000001) == "0.0")
        #expect(MonitorFile.number(0.1234567) == "0.123457")
    }

    /// Whole numbers skip the formatter: the same text as through it.
    @Test func wholeNumbersReadAsFormattedByC() {
        let values: [Double] = [0, -0.0, 1, -1, 500, -171, 42, 1e6, -123_456_789, 999_999_999_999_999, 1e15, 1e16, -1e15,
                                0.5, -0.5, 2.5, 1e-7, -1e-7, 499.9999999, .infinity, -.infinity, .nan]
        for x in values {
            #expect(MonitorFile.number(x) == MonitorFile.formattedByC(x), "\(x)")
        }
    }
}

@Suite struct ProgressRecordsTests {
    @Test func aLineCutByAKillIsSkippedWithAWarning() throws {
        let path = try temporaryFolder() + "/progress.jsonl"
        try """
            {"update":1,"timesteps":100,"episode_return_mean":null,"stopped_early":false}
            {"update":2,"timesteps":200,"episode_return_mean":-5.5,"stopped_early":true}
            {"update":3,"timesteps":30
            """.write(toFile: path, atomically: false, encoding: .utf8)
        let log = try ProgressRecords.read(path: path)
        #expect(log.records.count == 2)
        #expect(log.records[0]["episode_return_mean"] == nil)
        #expect(log.records[1]["episode_return_mean"] == -5.5)
        #expect(log.records[1]["stopped_early"] == 1)
        #expect(log.warnings.count == 1)
        #expect(log.warnings[0].contains("line 3 is cut short"))
    }

    @Test func csvLogsReadByTheirHeader() throws {
        let path = try temporaryFolder() + "/progress.csv"
        try "update,timesteps,eval_return_mean\n1,100,\n2,200,7.5\n3,3".write(toFile: path, atomically: false, encoding: .utf8)
        let log = try ProgressRecords.read(path: path)
        #expect(log.records.count == 2)
        #expect(log.best("eval_return_mean") == 7.5)
        #expect(log.warnings.count == 1)
    }

    @Test func aMissingLogIsAClearError() {
        #expect(throws: RunLogError.self) { try ProgressRecords.read(path: "/nonexistent/progress.jsonl") }
    }
}

/// monitor.csv's header and `gym serve`'s errors quote strings by hand: every string must read
/// back as itself through a JSON parser.
@Suite struct JSONStringTests {
    @Test func quotedStringsReadBackAsThemselves() throws {
        let samples = ["CartPole", "", "a \"quoted\" name", #"back\slash"#, "tab\tnew\nline\r", "\u{0}\u{1}\u{1F}\u{7F}",
                       "päth/to/é̂nv 🚀", "\u{08}\u{0C}", String((0..<128).map { Character(Unicode.Scalar($0)!) })]
        for sample in samples {
            let literal = JSONString.quoted(sample)
            let parsed = try JSONSerialization.jsonObject(with: Data("[\(literal)]".utf8)) as? [String]
            #expect(parsed == [sample], "\(literal)")
        }
        #expect(JSONString.quoted("a\"b\\c\n\u{1}") == #""a\"b\\c\n\u0001""#)
    }
}
