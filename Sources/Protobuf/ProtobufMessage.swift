/// The few pieces of the protocol-buffers wire format that gym's own files need (TensorBoard's
/// Event and Summary messages, ONNX models): varints, 64- and 32-bit fixed fields, and
/// length-delimited fields. Field numbers live with each format's writer.
public struct ProtobufMessage: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    private enum WireType: UInt64 { case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5 }

    private mutating func key(_ field: UInt64, _ type: WireType) { varint(field << 3 | type.rawValue) }

    fileprivate mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }

    public mutating func int64(_ field: UInt64, _ value: Int64) {
        key(field, .varint)
        varint(UInt64(bitPattern: value))
    }

    public mutating func double(_ field: UInt64, _ value: Double) {
        key(field, .fixed64)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func float(_ field: UInt64, _ value: Float) {
        key(field, .fixed32)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func data(_ field: UInt64, _ value: some Collection<UInt8>) {
        key(field, .lengthDelimited)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// Its UTF-8 bytes, appended straight from the string (no array in between).
    public mutating func string(_ field: UInt64, _ value: String) { data(field, value.utf8) }

    /// Empties the message and keeps its memory, to build the next one in it.
    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    public mutating func message(_ field: UInt64, _ value: ProtobufMessage) { data(field, value.bytes) }

    /// The value of the first varint field `field` in an encoded message, or nil when there is
    /// none or the bytes are not a well-formed message.
    public static func firstVarint(_ field: UInt64, in bytes: ArraySlice<UInt8>) -> UInt64? {
        var i = bytes.startIndex
        func readVarint() -> UInt64? {
            var result: UInt64 = 0, shift: UInt64 = 0
            while i < bytes.endIndex && shift < 64 {
                let byte = bytes[i]; i += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
            }
            return nil
        }
        while i < bytes.endIndex {
            guard let key = readVarint() else { return nil }
            switch key & 7 {
            case 0:
                guard let value = readVarint() else { return nil }
                if key >> 3 == field { return value }
            case 1: i += 8
            case 5: i += 4
            case 2:
                guard let length = readVarint(), length <= UInt64(bytes.endIndex - i) else { return nil }
                i += Int(length)
            default: return nil
            }
        }
        return nil
    }
}

extension ProtobufMessage {
    /// A packed repeated int64 field (proto3's default for repeated scalars).
    public mutating func packedInt64(_ field: UInt64, _ values: [Int64]) {
        var inner = ProtobufMessage()
        for v in values { inner.varint(UInt64(bitPattern: v)) }
        data(field, inner.bytes)
    }
}
