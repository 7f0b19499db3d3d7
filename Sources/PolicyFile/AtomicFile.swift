import Foundation
import LuaBridge
import Synchronization

/// Whole-file writes that never leave a half-written target: write a temporary file beside it,
/// fsync it, rename it over the target, fsync the folder. A crash, a kill or a full disk at any
/// moment leaves the old file or the new one, never a third.
public enum AtomicFile {
    /// The steps a write takes, for fault injection in tests.
    public enum Operation: Sendable { case write, fsync, rename }

    /// Test hook (SQLite's fault-injection style): in writes to `path`, the `countdown`th
    /// operation of kind `operation` fails with `errno` as if the disk had. nil: no faults.
    public struct Fault: Sendable {
        public var path: String
        public var operation: Operation
        public var countdown: Int
        public var errno: Int32
        public init(path: String, operation: Operation, countdown: Int, errno: Int32 = ENOSPC) {
            self.path = path
            self.operation = operation
            self.countdown = countdown
            self.errno = errno
        }
    }
    public static let injectedFault = Mutex<Fault?>(nil)

    /// Writes are chunked so that a fault can strike between any two pieces.
    static let chunkSize = 1 << 16

    public static func write(_ bytes: [UInt8], to requested: String) throws {
        let path = try target(of: requested)
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        try makeFolder(folder.path, for: requested)
        removeStaleTemporaries(in: folder.path, for: url.lastPathComponent)
        let temporary = folder.appendingPathComponent(temporaryName(for: url.lastPathComponent, pid: getpid())).path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PolicyFileError(path: requested, message: "cannot create \(temporary): \(BoundedFile.reason(errno))") }
        var failure: Int32?
        bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count && failure == nil {
                let piece = min(chunkSize, buffer.count - written)
                if let fault = take(.write, requested) { failure = fault; break }
                failure = BoundedFile.writeAll(fd, UnsafeRawBufferPointer(rebasing: buffer[written..<(written + piece)]))
                written += piece
            }
        }
        if failure == nil { failure = take(.fsync, requested) ?? (fsync(fd) != 0 ? errno : nil) }
        close(fd)
        if failure == nil { failure = take(.rename, requested) ?? (rename(temporary, path) != 0 ? errno : nil) }
        if let failure {
            unlink(temporary)
            throw PolicyFileError(path: requested, message: "cannot write: \(BoundedFile.reason(failure)) (the previous file, if any, is unchanged)")
        }
        let folderDescriptor = open(folder.path, O_RDONLY | O_CLOEXEC)
        if folderDescriptor >= 0 { fsync(folderDescriptor); close(folderDescriptor) }
    }

    /// Checks, before any work is done, that `path` can be written: its folder can be created
    /// and written to, and the path is a regular file or nothing yet.
    public static func checkWritable(_ requested: String) throws {
        let path = try target(of: requested)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try makeFolder(folder, for: requested)
        guard access(folder, W_OK) == 0 else {
            throw PolicyFileError(path: requested, message: "cannot write to the folder \(folder): \(BoundedFile.reason(errno))")
        }
    }

    /// The file a write to `path` replaces. A symlink is followed deliberately: the link keeps
    /// pointing at the new file (renaming over the link would replace the link itself). A
    /// device, FIFO, socket or folder is refused: `--out /dev/null` must not replace the device.
    public static func target(of path: String) throws -> String {
        var resolved = path
        var status = stat()
        if lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFLNK {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            if realpath(path, &buffer) != nil {
                resolved = String(cString: buffer)
            } else if let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
                // A dangling link: write where it points.
                resolved = destination.hasPrefix("/") ? destination
                    : URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(destination).path
            }
        }
        if stat(resolved, &status) == 0 && (status.st_mode & S_IFMT) != S_IFREG {
            let kind = (status.st_mode & S_IFMT) == S_IFDIR ? "a folder" : "not a regular file (a device, FIFO or socket)"
            throw PolicyFileError(path: path, message: "is \(kind); gym writes only regular files")
        }
        return resolved
    }

    private static func makeFolder(_ folder: String, for requested: String) throws {
        // Training writes into the same folder hundreds of times: a stat is enough when the
        // folder is there (FileManager's creation walks the path each time).
        var status = stat()
        if stat(folder, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR { return }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            let underlying = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.code
            let text = underlying.map { BoundedFile.reason(Int32($0)) } ?? "a part of the path is not a folder"
            throw PolicyFileError(path: requested, message: "cannot create the folder \(folder): \(text)")
        }
    }

    static func temporaryName(for name: String, pid: Int32) -> String { ".\(name).\(pid).tmp" }

    /// The targets whose folders this process has swept for stale temporaries.
    private static let swept = Mutex<Set<String>>([])

    /// Temporary files of writers that were killed (their process is gone) are removed, at this
    /// process's first write to the target: the folder is listed once, not at every checkpoint.
    private static func removeStaleTemporaries(in folder: String, for name: String) {
        guard swept.withLock({ $0.insert(folder + "/" + name).inserted }) else { return }
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        let prefix = ".\(name)."
        for entry in entries where entry.hasPrefix(prefix) && entry.hasSuffix(".tmp") {
            guard let pid = Int32(entry.dropFirst(prefix.count).dropLast(4)), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(folder + "/" + entry) }
        }
    }

    private static func take(_ operation: Operation, _ path: String) -> Int32? {
        injectedFault.withLock { fault -> Int32? in
            guard var current = fault, current.operation == operation, current.path == path else { return nil }
            current.countdown -= 1
            if current.countdown > 0 { fault = current; return nil }
            fault = nil
            return current.errno
        }
    }
}

