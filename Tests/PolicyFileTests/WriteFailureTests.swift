import Foundation
@testable import PolicyFile
import PPO
import Testing
import TestScratch

/// SQLite-style fault injection on the atomic writer: the Nth write, fsync and rename fail in
/// turn, for every N; each time the previous file must be intact and no temporary file left.
@Suite(.serialized) struct WriteFailureTests {
    func folder() throws -> String {
        try TestScratch.folder("faults").path
    }

    /// A policy big enough to take several write chunks.
    func widePolicy(seed: UInt64) -> TrainedPolicy {
        var policy = sampleTrainedPolicy()
        let architecture = NetworkArchitecture(observationSize: 3, distribution: .gaussian(dimensions: 1),
                                               hidden: [256, 256], activation: .tanh, shared: false)
        policy.architecture = architecture
        policy.settings.hidden = [256, 256]
        policy.parameters = (0..<architecture.parameterCount).map { Float(($0 + Int(seed)) % 97) / 100 }
        return policy
    }

    @Test(arguments: [AtomicFile.Operation.write, .fsync, .rename])
    func everyFailurePointLeavesThePreviousFileIntact(operation: AtomicFile.Operation) throws {
        let directory = try folder()
        let path = directory + "/policy.policy"
        try PolicyCodec.write(widePolicy(seed: 1), to: path)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let replacement = widePolicy(seed: 2)
        #expect(try PolicyCodec.encode(replacement, checkpoint: nil).count > 3 * AtomicFile.chunkSize)
        var n = 1
        while true {
            AtomicFile.injectedFault.withLock { $0 = .init(path: path, operation: operation, countdown: n) }
            var failed = false
            do {
                try PolicyCodec.write(replacement, to: path)
            } catch {
                failed = true
                #expect("\(error)".contains("No space left on device"), "\(error)")
                #expect("\(error)".contains("the previous file, if any, is unchanged"))
            }
            let struck = AtomicFile.injectedFault.withLock { fault -> Bool in
                defer { fault = nil }
                return fault == nil
            }
            #expect(failed == struck, "attempt \(n): a fault that struck must fail the write, and only then")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".tmp") }
            #expect(leftovers.isEmpty, "attempt \(n): temporary files left: \(leftovers)")
            if !failed { break }
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == original, "attempt \(n): the previous file changed")
            #expect(try PolicyCodec.read(from: path).policy.parameters == widePolicy(seed: 1).parameters)
            n += 1
        }
        #expect(try PolicyCodec.read(from: path).policy.parameters == replacement.parameters)
        if operation == .write { #expect(n > 4, "only \(n - 1) writes were failed") }
    }

    @Test func staleTemporariesOfDeadWritersAreRemoved() throws {
        let directory = try folder()
        // pid 2^22 + 1 is above Linux's pid_max: no such process.
        let stale = directory + "/" + AtomicFile.temporaryName(for: "p.policy", pid: 4_194_305)
        let live = directory + "/" + AtomicFile.temporaryName(for: "p.policy", pid: 1)  // init: alive
        FileManager.default.createFile(atPath: stale, contents: Data([1, 2, 3]))
        FileManager.default.createFile(atPath: live, contents: Data([1, 2, 3]))
        try PolicyCodec.write(sampleTrainedPolicy(), to: directory + "/p.policy")
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: live))
    }

    @Test func nonRegularTargetsAreRefusedAndSymlinksFollowed() throws {
        let directory = try folder()
        #expect(throws: PolicyFileError.self) { try PolicyCodec.write(sampleTrainedPolicy(), to: "/dev/null") }
        #expect(throws: PolicyFileError.self) { try PolicyCodec.write(sampleTrainedPolicy(), to: directory) }
        let target = directory + "/real.policy", link = directory + "/link.policy"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real.policy")
        try PolicyCodec.write(sampleTrainedPolicy(), to: link)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "real.policy")
        #expect(try PolicyCodec.read(from: target).policy.parameters == sampleTrainedPolicy().parameters)
        do {
            try AtomicFile.checkWritable(directory + "/real.policy/inside.policy")
            Issue.record("a path through a file was accepted")
        } catch {
            #expect("\(error)".contains("cannot create the folder"), "\(error)")
        }
    }

    /// Training's checkpoints and best policy go through the background writer: every path
    /// ends with the last bytes asked for it, whatever was skipped or written in between.
    @Test func backgroundWritesEndWithTheNewestBytesOfEachPath() throws {
        let directory = try folder()
        let writer = BackgroundFileWriter()
        let first = directory + "/checkpoint.policy", second = directory + "/best.policy"
        for n in 0..<200 {
            try writer.write(Array("checkpoint \(n)".utf8), to: first)
            if n % 3 == 0 { try writer.write(Array("best \(n)".utf8), to: second) }
        }
        try writer.drain()
        #expect(try String(contentsOfFile: first, encoding: .utf8) == "checkpoint 199")
        #expect(try String(contentsOfFile: second, encoding: .utf8) == "best 198")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
    }

    /// A background write that fails is reported once, by the next drain (or write), and leaves
    /// the previous file; the writer goes on with later writes.
    @Test(arguments: [AtomicFile.Operation.write, .fsync, .rename])
    func aFailedBackgroundWriteIsReportedAndLeavesThePreviousFile(operation: AtomicFile.Operation) throws {
        let directory = try folder()
        let path = directory + "/checkpoint.policy"
        let writer = BackgroundFileWriter()
        try writer.write(Array("good".utf8), to: path)
        try writer.drain()
        AtomicFile.injectedFault.withLock { $0 = .init(path: path, operation: operation, countdown: 1) }
        defer { AtomicFile.injectedFault.withLock { $0 = nil } }
        try writer.write(Array("lost".utf8), to: path)
        do {
            try writer.drain()
            Issue.record("the failed write was not reported")
        } catch {
            #expect("\(error)".contains("No space left on device"), "\(error)")
            #expect("\(error)".contains(path), "\(error)")
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "good")
        try writer.drain()
        try writer.write(Array("later".utf8), to: path)
        try writer.drain()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "later")
    }
}
