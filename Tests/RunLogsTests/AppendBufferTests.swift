import Foundation
import LuaBridge
import RunLogs
import Testing

/// The logs' buffered tails: nothing reaches the file before a flush (or the interval), then
/// everything does, in order; a write the disk refuses is an error naming the file.
@Suite struct AppendBufferTests {
    func opened(_ path: String) -> Int32 { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }

    func contents(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    @Test func appendedBytesWaitForAFlushThenLandInOrder() throws {
        let path = try temporaryFolder() + "/log.txt"
        let descriptor = opened(path)
        defer { close(descriptor) }
        let buffer = AppendBuffer(descriptor: descriptor) { RunLogError(path: path, "failed: \($0)") }
        for n in 0..<100 { try buffer.append("line \(n)\n") }
        #expect(try contents(path) == "", "a write before the flush")
        try buffer.flush()
        #expect(try contents(path) == (0..<100).map { "line \($0)\n" }.joined())
        try buffer.append("more\n")
        try buffer.flush()
        try buffer.flush()
        #expect(try contents(path).hasSuffix("line 99\nmore\n"))
    }

    @Test func anAppendAfterTheIntervalWritesWithoutAFlush() throws {
        let path = try temporaryFolder() + "/log.txt"
        let descriptor = opened(path)
        defer { close(descriptor) }
        let buffer = AppendBuffer(descriptor: descriptor) { RunLogError(path: path, "failed: \($0)") }
        try buffer.append("first\n")
        Thread.sleep(forTimeInterval: Double(AppendBuffer.interval) / 1e9 + 0.1)
        try buffer.append("second\n")
        #expect(try contents(path) == "first\nsecond\n")
    }

    @Test func aRefusedWriteIsAnErrorAndTheBytesAreDropped() throws {
        let descriptor = open("/dev/full", O_WRONLY | O_CLOEXEC)
        defer { close(descriptor) }
        let buffer = AppendBuffer(descriptor: descriptor) { RunLogError(path: "/dev/full", "cannot write: \(BoundedFile.reason($0))") }
        try buffer.append("lost\n")
        #expect(throws: RunLogError.self) { try buffer.flush() }
        do {
            try buffer.append("again\n")
            try buffer.flush()
            Issue.record("a refused write was not reported")
        } catch {
            #expect("\(error)" == "/dev/full: cannot write: No space left on device")
        }
        try buffer.flush()  // nothing waits any more
    }
}
