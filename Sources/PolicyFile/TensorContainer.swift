import Foundation

/// A tensor's values, in one of the three element types the format knows.
public enum TensorValues: Equatable, Sendable {
    case f32([Float])
    case f64([Double])
    case u64([UInt64])

    var dtype: TensorEntry.DType {
        switch self {
        case .f32: .f32
        case .f64: .f64
        case .u64: .u64
        }
    }

    var count: Int {
        switch self {
        case .f32(let v): v.count
        case .f64(let v): v.count
        case .u64(let v): v.count
        }
    }
}

public struct NamedTensor: Equatable, Sendable {
    public var name: String
    public var shape: [Int]
    public var values: TensorValues

    public init(_ name: String, shape: [Int], _ values: TensorValues) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// What went wrong with a file's bytes, in words; the reader adds the path.
struct FormatError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// The container: magic, version, JSON header, aligned little-endian tensor data, CRC-32. It
/// knows nothing of policies; `PolicyCodec` maps policies onto it.
enum TensorContainer {
    private struct Header<Metadata: Codable>: Codable {
        var metadata: Metadata
        var tensors: [TensorEntry]
    }

    static func assemble<Metadata: Codable>(metadata: Metadata, tensors: [NamedTensor]) throws -> [UInt8] {
        var entries: [TensorEntry] = []
        var dataLength = 0
        for tensor in tensors {
            let length = tensor.values.count * tensor.values.dtype.size
            entries.append(TensorEntry(name: tensor.name, dtype: tensor.values.dtype, shape: tensor.shape,
                                       offset: dataLength, length: length))
            dataLength = Layout.aligned(dataLength + length)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let header = [UInt8](try encoder.encode(Header(metadata: metadata, tensors: entries)))
        let dataStart = Layout.aligned(Layout.prefixSize + header.count)
        var bytes = [UInt8]()
        bytes.reserveCapacity(dataStart + dataLength + Layout.checksumSize)
        bytes += Layout.magic
        append(Layout.major, to: &bytes)
        append(Layout.minor, to: &bytes)
        append(UInt32(header.count), to: &bytes)
        append(UInt64(dataLength), to: &bytes)
        bytes += header
        bytes += [UInt8](repeating: 0, count: dataStart - bytes.count)
        for (tensor, entry) in zip(tensors, entries) {
            bytes += [UInt8](repeating: 0, count: dataStart + entry.offset - bytes.count)
            #if _endian(little)
            // The file is little-endian, like the host: the values' memory is the file's bytes.
            switch tensor.values {
            case .f32(let values): values.withUnsafeBytes { bytes += $0 }
            case .f64(let values): values.withUnsafeBytes { bytes += $0 }
            case .u64(let values): values.withUnsafeBytes { bytes += $0 }
            }
            #else
            switch tensor.values {
            case .f32(let values): for v in values { append(v.bitPattern, to: &bytes) }
            case .f64(let values): for v in values { append(v.bitPattern, to: &bytes) }
            case .u64(let values): for v in values { append(v, to: &bytes) }
            }
            #endif
        }
        bytes += [UInt8](repeating: 0, count: dataStart + dataLength - bytes.count)
        let crc = bytes.withUnsafeBytes { CRC32.checksum($0) }
        append(crc, to: &bytes)
        return bytes
    }

    struct Parsed<Metadata> {
        var major: Int
        var minor: Int
        var metadata: Metadata
        var tensors: [String: NamedTensor]
    }

    /// Checks everything before trusting anything: sizes, magic, version, checksum, then the
    /// header, then every tensor's range. Allocates nothing larger than the file itself.
    static func parse<Metadata: Codable>(_ bytes: [UInt8], as: Metadata.Type) throws(FormatError) -> Parsed<Metadata> {
        guard bytes.count >= Layout.magic.count, Array(bytes[0..<Layout.magic.count]) == Layout.magic else {
            let found = bytes.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
            throw FormatError("not a gym policy file (its first bytes are \(found.isEmpty ? "missing" : found), expected 89 47 59 4d 0d 0a 1a 0a)")
        }
        guard bytes.count >= Layout.prefixSize + Layout.checksumSize else {
            throw FormatError("truncated: \(bytes.count) bytes, shorter than the \(Layout.prefixSize + Layout.checksumSize)-byte frame")
        }
        let major = Int(read(UInt16.self, bytes, at: 8)), minor = Int(read(UInt16.self, bytes, at: 10))
        guard major == Int(Layout.major) else {
            let verdict = major > Int(Layout.major) ? "written by a newer gym" : "an old format no longer supported"
            throw FormatError("format \(major).\(minor) is \(verdict); this gym reads format \(Layout.major).x")
        }
        let headerLength = Int(read(UInt32.self, bytes, at: 12))
        let dataLength64 = read(UInt64.self, bytes, at: 16)
        guard headerLength <= Layout.maximumHeaderSize else {
            throw FormatError("header length \(headerLength) exceeds the \(Layout.maximumHeaderSize)-byte limit")
        }
        guard dataLength64 <= UInt64(Layout.maximumFileSize) else {
            throw FormatError("data length \(dataLength64) exceeds the \(Layout.maximumFileSize)-byte limit")
        }
        let dataLength = Int(dataLength64)
        let dataStart = Layout.aligned(Layout.prefixSize + headerLength)
        let expectedSize = dataStart + dataLength + Layout.checksumSize
        guard bytes.count == expectedSize else {
            throw FormatError(bytes.count < expectedSize
                ? "truncated: \(bytes.count) bytes, the header says \(expectedSize)"
                : "\(bytes.count - expectedSize) unexpected bytes after the end (the header says \(expectedSize) bytes)")
        }
        let stored = read(UInt32.self, bytes, at: dataStart + dataLength)
        let computed = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<(dataStart + dataLength)])) }
        guard stored == computed else {
            throw FormatError(String(format: "checksum mismatch (stored %08x, computed %08x): the file is corrupt", stored, computed))
        }
        guard bytes[(Layout.prefixSize + headerLength)..<dataStart].allSatisfy({ $0 == 0 }) else {
            throw FormatError("nonzero padding between the header and the data")
        }

        let header: Header<Metadata>
        do {
            header = try JSONDecoder().decode(Header<Metadata>.self, from: Data(bytes[Layout.prefixSize..<(Layout.prefixSize + headerLength)]))
        } catch {
            throw FormatError("the header is not valid: \(describe(error))")
        }
        guard header.tensors.count <= Layout.maximumTensorCount else {
            throw FormatError("\(header.tensors.count) tensors, more than the limit of \(Layout.maximumTensorCount)")
        }
        var tensors: [String: NamedTensor] = [:]
        var ranges: [(Range<Int>, String)] = []
        for entry in header.tensors {
            guard tensors[entry.name] == nil else { throw FormatError("tensor '\(entry.name)' appears twice") }
            guard entry.shape.count <= 8, entry.shape.allSatisfy({ $0 >= 0 && $0 <= dataLength }) else {
                throw FormatError("tensor '\(entry.name)' has an invalid shape \(entry.shape)")
            }
            let (count, overflow) = entry.shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            guard !overflow, count <= dataLength, count * entry.dtype.size == entry.length else {
                throw FormatError("tensor '\(entry.name)': shape \(entry.shape) of \(entry.dtype.rawValue) does not match its length \(entry.length)")
            }
            guard entry.offset >= 0, entry.offset % Layout.alignment == 0, entry.offset <= dataLength - entry.length else {
                throw FormatError("tensor '\(entry.name)': bytes \(entry.offset)..<\(entry.offset + entry.length) are not an aligned range inside the \(dataLength)-byte data section")
            }
            ranges.append((entry.offset..<(entry.offset + entry.length), entry.name))
            let base = dataStart + entry.offset
            let values: TensorValues
            switch entry.dtype {
            case .f32: values = .f32((0..<count).map { Float(bitPattern: read(UInt32.self, bytes, at: base + 4 * $0)) })
            case .f64: values = .f64((0..<count).map { Double(bitPattern: read(UInt64.self, bytes, at: base + 8 * $0)) })
            case .u64: values = .u64((0..<count).map { read(UInt64.self, bytes, at: base + 8 * $0) })
            }
            tensors[entry.name] = NamedTensor(entry.name, shape: entry.shape, values)
        }
        ranges.sort { $0.0.lowerBound < $1.0.lowerBound }
        for (a, b) in zip(ranges, ranges.dropFirst()) where a.0.overlaps(b.0) {
            throw FormatError("tensors '\(a.1)' and '\(b.1)' overlap")
        }
        // The tensors tile the data section: each starts at the first aligned offset after the
        // previous one, and only zero padding lies between. No bytes hide in the file.
        var expected = 0
        for (range, name) in ranges {
            guard range.lowerBound == expected else {
                throw FormatError("tensor '\(name)' starts at byte \(range.lowerBound) of the data section; the layout puts it at \(expected)")
            }
            guard bytes[(dataStart + range.upperBound)..<(dataStart + min(Layout.aligned(range.upperBound), dataLength))].allSatisfy({ $0 == 0 }) else {
                throw FormatError("nonzero padding after tensor '\(name)'")
            }
            expected = Layout.aligned(range.upperBound)
        }
        guard expected == dataLength else {
            throw FormatError("\(dataLength - expected) bytes of the data section belong to no tensor")
        }
        return Parsed(major: major, minor: minor, metadata: header.metadata, tensors: tensors)
    }

    // MARK: Little-endian integers

    private static func append<I: FixedWidthInteger>(_ value: I, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    private static func read<I: FixedWidthInteger>(_ type: I.Type, _ bytes: [UInt8], at offset: Int) -> I {
        var value: I = 0
        for i in 0..<MemoryLayout<I>.size { value |= I(bytes[offset + i]) << (8 * i) }
        return value
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "'\(path)': \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
