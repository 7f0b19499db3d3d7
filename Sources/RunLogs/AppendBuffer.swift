import Dispatch
import Foundation
import LuaBridge

/// The tail of a log file that training appends to a few lines at a time. A write call costs
/// several microseconds on a journaling file system, and training wrote three (the progress
/// log, `monitor.csv`, the event file) at every update: a few percent of a short run. The bytes
/// wait here and go to the file in one write when `flush` is called (training flushes before
/// every checkpoint, so the files on disk always reach the checkpoint a resume starts from, and
/// at the end, on errors and on signals) and at least once a second, so that `tail -f`,
/// TensorBoard and `gym plot` follow a run as it goes.
public final class AppendBuffer {
    /// How long appended bytes may wait for a write.
    public static let interval: UInt64 = 1_000_000_000

    private let descriptor: Int32
    private var pending: [UInt8] = []
    private var flushed = DispatchTime.now().uptimeNanoseconds
    /// The error for a write that failed with an errno value (it names the file and its role).
    private let failure: (Int32) -> RunLogError

    /// Takes `descriptor` over: the buffer writes what waits and closes it when it goes.
    public init(descriptor: Int32, failure: @escaping (Int32) -> RunLogError) {
        self.descriptor = descriptor
        self.failure = failure
        pending.reserveCapacity(1 << 14)
    }

    /// Opens `path` for appending after its first `keeping` bytes (0: the file starts empty; it
    /// is created if missing). Every error, now or at a later write, reads "<path>: cannot
    /// write the <role>: <reason>".
    public convenience init(path: String, role: String, keeping: Int = 0) throws(RunLogError) {
        let failure = { [path] (code: Int32) in RunLogError(path: path, "cannot write the \(role): \(BoundedFile.reason(code))") }
        // O_TRUNC rather than ftruncate for a new file: a log may be a device (/dev/null).
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (keeping == 0 ? O_TRUNC : 0), 0o644)
        guard descriptor >= 0 else { throw failure(errno) }
        if keeping > 0, ftruncate(descriptor, off_t(keeping)) != 0 || lseek(descriptor, off_t(keeping), SEEK_SET) < 0 {
            let code = errno
            close(descriptor)
            throw failure(code)
        }
        self.init(descriptor: descriptor, failure: failure)
    }

    deinit {
        try? flush()
        close(descriptor)
    }

    /// Adds `bytes`; writes everything waiting once the last write is `interval` old.
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        pending.append(contentsOf: bytes)
        if DispatchTime.now().uptimeNanoseconds - flushed >= Self.interval { try flush() }
    }

    public func append(_ text: String) throws {
        var text = text
        try text.withUTF8 { try append(UnsafeRawBufferPointer($0)) }
    }

    /// Writes everything waiting. On failure the waiting bytes are dropped (the disk refused
    /// them) and the error says which file and why.
    public func flush() throws {
        flushed = DispatchTime.now().uptimeNanoseconds
        guard !pending.isEmpty else { return }
        defer { pending.removeAll(keepingCapacity: true) }
        if let code = pending.withUnsafeBytes({ BoundedFile.writeAll(descriptor, $0) }) { throw failure(code) }
    }
}
