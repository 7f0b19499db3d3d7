import Foundation

/// Reads a whole file with its size checked on what was actually opened (a symlink to a huge
/// or sparse file is caught before reading), refusing what is not a regular file (a FIFO
/// would block forever, /dev/zero never ends).
public enum BoundedFile {
    public static func read(_ path: String, limit: Int, what: String) throws(LuaFileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw LuaFileError(path: path, reason: code == ENOENT ? "no such file" : "cannot open the \(what): \(reason(code))")
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw LuaFileError(path: path, reason: "cannot read the \(what): \(reason(errno))") }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw LuaFileError(path: path, reason: "is a folder, not a \(what)")
        default: throw LuaFileError(path: path, reason: "is not a regular file (a device, FIFO or socket), so not a \(what)")
        }
        let size = Int(status.st_size)
        guard size <= limit else {
            throw LuaFileError(path: path, reason: "\(size) bytes is too large for a \(what) (limit \(limit))")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var offset = 0
        while offset < size {
            let n = bytes.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress! + offset, size - offset) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw LuaFileError(path: path, reason: "cannot read the \(what): \(reason(errno))") }
            if n == 0 { break }
            offset += n
        }
        guard offset == size else { throw LuaFileError(path: path, reason: "the \(what) changed size while it was read") }
        return bytes
    }

    /// Writes all of `bytes` to `descriptor`, retrying short writes and EINTR. Returns the
    /// errno of a failure (ENOSPC when the device took nothing), or nil. The one write loop of
    /// gym: stdout/stderr, the training log and atomic files all go through it.
    public static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return written < 0 ? errno : ENOSPC }
            offset += written
        }
        return nil
    }

    /// The system's words for an errno value ("No space left on device").
    public static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }
}
