import Foundation
import LuaBridge
import Protobuf

/// A TensorBoard event file (`events.out.tfevents.<time>.<host>`), written by gym itself: a
/// TFRecord stream (u64 length, masked CRC-32C of the length, the data, masked CRC-32C of the
/// data) of `Event` messages. The first event holds the file version; each later one holds a
/// step's scalars (or a text summary) as a `Summary`. TensorBoard, and anything that reads
/// TensorFlow summaries (W&B's `wandb sync`, tbparse), reads it as it reads SB3's runs.
public final class EventFile {
    public static let namePrefix = "events.out.tfevents."
    public let path: String
    private let buffer: AppendBuffer

    public enum Opening {
        /// A new file; any older event files in the folder are removed (they belonged to the run
        /// this one replaces).
        case fresh
        /// The folder's newest event file continued: records past `step` (written by the
        /// interrupted run after its checkpoint) and a record cut short by a kill are trimmed.
        case resuming(afterStep: Int)
    }

    public init(folder: String, opening: Opening, now: Date = Date()) throws {
        let existing = Self.eventFiles(in: folder)
        var keptLength: Int?
        var chosen: String?
        switch opening {
        case .fresh:
            for name in existing { unlink(folder + "/" + name) }
        case .resuming(let step):
            if let newest = existing.last {
                chosen = folder + "/" + newest
                let bytes = (try? Data(contentsOf: URL(fileURLWithPath: chosen!))).map { [UInt8]($0) } ?? []
                keptLength = Self.validPrefix(of: bytes, upToStep: step)
            }
        }
        path = chosen ?? folder + "/" + Self.namePrefix + "\(Int(now.timeIntervalSince1970)).\(Self.hostName)"
        let start = keptLength ?? 0
        buffer = try AppendBuffer(path: path, role: "event file", keeping: start)
        if start == 0 {
            var event = Self.event(wallTime: now.timeIntervalSince1970, step: 0)
            event.string(3, "brain.Event:2")
            try write([event])
            try buffer.flush()
        }
    }

    /// Writes the events waiting (appended events reach the file here, or within a second).
    public func flush() throws { try buffer.flush() }

    /// One event holding every scalar of a step (NaN and infinite values are left out, as the
    /// other logs leave them empty).
    public func appendScalars(_ scalars: [(tag: String, value: Double)], step: Int, wallTime: Double) throws {
        var summary = ProtobufMessage()
        var entry = ProtobufMessage()  // one buffer for every entry: no allocation per scalar
        for (tag, value) in scalars where value.isFinite {
            entry.removeAll()
            entry.string(1, tag)
            entry.float(2, Float(value))
            summary.message(1, entry)
        }
        var event = Self.event(wallTime: wallTime, step: step)
        event.message(5, summary)
        try write([event])
    }

    /// A text summary (TensorBoard's Text tab renders it as Markdown).
    public func appendText(_ markdown: String, tag: String, step: Int, wallTime: Double) throws {
        var plugin = ProtobufMessage()
        plugin.string(1, "text")
        var metadata = ProtobufMessage()
        metadata.message(1, plugin)
        var tensor = ProtobufMessage()
        tensor.int64(1, 7)  // DT_STRING
        tensor.message(2, ProtobufMessage())  // a scalar: no dimensions
        tensor.string(8, markdown)
        var entry = ProtobufMessage()
        entry.string(1, tag)
        entry.message(9, metadata)
        entry.message(8, tensor)
        var summary = ProtobufMessage()
        summary.message(1, entry)
        var event = Self.event(wallTime: wallTime, step: step)
        event.message(5, summary)
        try write([event])
    }

    private static func event(wallTime: Double, step: Int) -> ProtobufMessage {
        var event = ProtobufMessage()
        event.double(1, wallTime)
        event.int64(2, Int64(step))
        return event
    }

    /// TFRecord framing of `events`, added to the waiting bytes (a kill leaves at most one
    /// record cut short, which a resume trims).
    private func write(_ events: [ProtobufMessage]) throws {
        var bytes: [UInt8] = []
        for event in events { bytes += Self.record(event.bytes) }
        try bytes.withUnsafeBytes { try buffer.append($0) }
    }

    static func record(_ data: [UInt8]) -> [UInt8] {
        var length = UInt64(data.count).littleEndian
        let lengthBytes = withUnsafeBytes(of: &length) { [UInt8]($0) }
        var out = lengthBytes
        withUnsafeBytes(of: CRC32C.masked(lengthBytes).littleEndian) { out.append(contentsOf: $0) }
        out += data
        withUnsafeBytes(of: CRC32C.masked(data).littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    /// The records of a TFRecord stream that are whole and whose checksums hold, in order, and
    /// how many bytes they take; reading stops at the first bad or cut record.
    public static func records(in bytes: [UInt8]) -> (records: [ArraySlice<UInt8>], validLength: Int) {
        var records: [ArraySlice<UInt8>] = []
        var offset = 0
        func u32(_ at: Int) -> UInt32 { bytes[at..<(at + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        while offset + 12 <= bytes.count {
            let lengthBytes = bytes[offset..<(offset + 8)]
            let length = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard CRC32C.masked(lengthBytes) == u32(offset + 8), length <= UInt64(bytes.count - offset - 16) else { break }
            let start = offset + 12, end = start + Int(length)
            guard CRC32C.masked(bytes[start..<end]) == u32(end) else { break }
            records.append(bytes[start..<end])
            offset = end + 4
        }
        return (records, offset)
    }

    /// The step an encoded Event records (0 when it has none, as the file-version event).
    public static func step(ofEvent data: ArraySlice<UInt8>) -> Int {
        ProtobufMessage.firstVarint(2, in: data).map { Int(Int64(bitPattern: $0)) } ?? 0
    }

    /// Bytes of the valid records up to the first one past `step`.
    static func validPrefix(of bytes: [UInt8], upToStep step: Int) -> Int {
        var offset = 0
        for record in records(in: bytes).records {
            if Self.step(ofEvent: record) > step { break }
            offset = record.endIndex + 4
        }
        return offset
    }

    /// Event files in `folder`, oldest first (names carry the creation time).
    public static func eventFiles(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasPrefix(namePrefix) }.sorted()
    }

    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let name = String(decoding: bytes, as: UTF8.self).filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
        return name.isEmpty ? "localhost" : name
    }
}

/// A run-folder file that cannot be read or written.
public struct RunLogError: Error, CustomStringConvertible {
    public var path: String
    public var message: String
    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}
