import Foundation
import Testing

/// Runs `gym serve` with `input` on stdin; its stdout lines and status.
func serve(_ arguments: [String], input: String) throws -> (status: Int32, lines: [String]) {
    let process = Process()
    process.executableURL = gymExecutable
    process.arguments = ["serve"] + arguments
    process.currentDirectoryURL = projectRoot
    let stdin = Pipe(), stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = FileHandle.nullDevice
    try process.run()
    // Written from another thread: a large input must not block on a full pipe.
    let writer = Thread { stdin.fileHandleForWriting.write(Data(input.utf8)); try? stdin.fileHandleForWriting.close() }
    writer.start()
    let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output.split(separator: "\n").map(String.init))
}

@Suite struct ServeCommandTests {
    /// The actions `gym run --policy --jsonl` took are the actions `gym serve` answers for the
    /// same observations, exactly, for a box and a discrete policy.
    @Test(arguments: ["pendulum", "cartpole"])
    func servesTheActionsRunTakes(env: String) throws {
        let run = try gym(["run", "envs/\(env).lua", "--policy", "policies/\(env).policy", "--jsonl", "--episodes", "2"])
        #expect(run.status == 0, "\(run.stderr)")
        let records = try run.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        var observations: [String] = []
        var actions: [String] = []
        for (i, record) in records.enumerated() where i + 1 < records.count {
            let next = records[i + 1]
            guard next["action"] != nil, (next["episode"] as! Int) == (record["episode"] as! Int) else { continue }
            let obs = try JSONSerialization.data(withJSONObject: record["obs"]!)
            observations.append(String(decoding: obs, as: UTF8.self))
            actions.append(String(decoding: try JSONSerialization.data(withJSONObject: ["action": next["action"]!]), as: UTF8.self))
        }
        let served = try serve(["policies/\(env).policy"], input: observations.joined(separator: "\n") + "\n")
        #expect(served.status == 0)
        #expect(served.lines.count == actions.count)
        let decoded = try served.lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let expected = try actions.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        func numbers(_ value: Any?) -> [Double] {
            if let list = value as? [NSNumber] { return list.map(\.doubleValue) }
            return (value as? NSNumber).map { [$0.doubleValue] } ?? []
        }
        for (got, want) in zip(decoded, expected) {
            #expect(numbers(got["action"]) == numbers(want["action"]))
            #expect(!numbers(got["action"]).isEmpty)
        }
    }

    @Test func badLinesGetAnErrorLineAndServingGoesOn() throws {
        let input = """
            [1, 0, 0.5]
            [1, 2]
            [true, 0, 1]
            nonsense
            {"obs": [0.5, 0.5, 1], "id": "a7"}
            {"id": 3}

            [0, 1, 0]
            """
        let served = try serve(["policies/pendulum.policy"], input: input + "\n")
        #expect(served.status == 0)
        #expect(served.lines.count == 7, "\(served.lines)")
        #expect(served.lines[0].hasPrefix("{\"action\":["))
        #expect(served.lines[1] == #"{"error":"line 2: the observation has 2 values; the policy takes 3"}"#)
        #expect(served.lines[2] == #"{"error":"line 3: obs[1] is not a number"}"#)
        #expect(served.lines[3].contains("line 4: not JSON"))
        #expect(served.lines[4].hasPrefix(#"{"id":"a7","action":["#))
        #expect(served.lines[5].hasPrefix(#"{"id":3,"error":"#))
        #expect(served.lines[6].hasPrefix("{\"action\":["))
    }

    @Test func aLineLongerThanAMegabyteIsRefusedWithoutStopping() throws {
        let huge = "[" + String(repeating: "1,", count: 600_000) + "1]"
        let served = try serve(["policies/pendulum.policy"], input: huge + "\n[1, 0, 0.5]\n")
        #expect(served.lines.count == 2, "\(served.lines.map { $0.prefix(80) })")
        #expect(served.lines[0].contains("error"))
        #expect(served.lines[1].hasPrefix("{\"action\":["))
    }

    @Test func aCorruptPolicyIsAnErrorBeforeServing() throws {
        let bad = try temporaryFile("not a policy", name: "bad.policy")
        let result = try gym(["serve", bad])
        #expect(result.status == 1)
        #expect(result.stderr.contains(bad), "\(result.stderr)")
    }
}
