import Foundation
import LuaBridge
import Synchronization

/// The only way gym writes to stdout and stderr: plain POSIX writes that never trap. A failed
/// write (a full disk, a closed pipe: SIGPIPE is ignored) is remembered, not fatal, so training
/// goes on when `gym train ... | head -1` closes its pipe. A command whose stdout output was
/// lost exits 1 at the end (`GymCommand.mainEntry`), so `gym run --jsonl > /dev/full` cannot
/// look like a success.
enum Console {
    private static let stdoutLost = Atomic<Int32>(0)
    private static let stdoutMatters = Atomic<Bool>(true)

    /// For commands whose product is a file (train): losing the summary on stdout is no failure.
    static func stdoutIsNotTheProduct() { stdoutMatters.store(false, ordering: .relaxed) }

    static func out(_ text: String) { write(text, to: STDOUT_FILENO) }
    static func line(_ text: String) { write(text + "\n", to: STDOUT_FILENO) }
    static func error(_ text: String) { write(text, to: STDERR_FILENO) }
    static func errorLine(_ text: String) { write(text + "\n", to: STDERR_FILENO) }
    /// A line on stderr that informs without warning (`note: ...`).
    static func note(_ text: String) { errorLine("note: " + text) }

    /// The errno of the first failed write to stdout, or nil.
    static var lostOutputError: Int32? {
        guard stdoutMatters.load(ordering: .relaxed) else { return nil }
        let code = stdoutLost.load(ordering: .relaxed)
        return code == 0 ? nil : code
    }

    private static func write(_ text: String, to descriptor: Int32) {
        var text = text
        let failure = text.withUTF8 { BoundedFile.writeAll(descriptor, UnsafeRawBufferPointer($0)) }
        if let failure, descriptor == STDOUT_FILENO {
            _ = stdoutLost.compareExchange(expected: 0, desired: failure, ordering: .relaxed)
        }
    }
}
