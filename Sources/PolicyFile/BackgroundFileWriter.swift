import Dispatch
import Synchronization

/// Atomic file writes (`AtomicFile.write`) made on a thread of their own, so that training
/// does not wait for the disk: each write syncs the file and its folder, about half a
/// millisecond on a local disk and tens of milliseconds on a network one, a dozen times in a
/// short run. The caller encodes the bytes (the CPU's work stays on its core); the writer only
/// waits. Writes of one path land in the order asked; a write still waiting when a newer one
/// of the same path arrives is skipped (the newer bytes are written in its place).
///
/// A failed write is reported by the next `write` or by `drain`, whichever comes first; the
/// file it was replacing is left as it was, as with `AtomicFile.write`.
public final class BackgroundFileWriter: Sendable {
    private let queue = DispatchQueue(label: "gym.background-file-writer")
    private let state = Mutex(State())

    private struct State {
        /// The newest bytes asked for each path whose write has not started.
        var waiting: [String: [UInt8]] = [:]
        var failure: (any Error)?
    }

    public init() {}

    /// Queues `bytes` for `path`; throws the failure of an earlier write, if one failed.
    public func write(_ bytes: [UInt8], to path: String) throws {
        try reportFailure()
        let queued = state.withLock { state in
            defer { state.waiting[path] = bytes }
            return state.waiting[path] != nil
        }
        // A write of this path is waiting already: it will take these bytes.
        if queued { return }
        queue.async { [self] in
            guard let bytes = state.withLock({ $0.waiting.removeValue(forKey: path) }) else { return }
            do {
                try AtomicFile.write(bytes, to: path)
            } catch {
                state.withLock { state in
                    if state.failure == nil { state.failure = error }
                }
            }
        }
    }

    /// Waits until every queued write is on disk; throws the first failure, if any.
    public func drain() throws {
        queue.sync {}
        try reportFailure()
    }

    private func reportFailure() throws {
        let failure = state.withLock { state -> (any Error)? in
            defer { state.failure = nil }
            return state.failure
        }
        if let failure { throw failure }
    }
}
