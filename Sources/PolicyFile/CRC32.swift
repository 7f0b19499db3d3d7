import Checksums

/// CRC-32 (IEEE 802.3, the zip/PNG checksum): detects every single-bit and burst error up to 32
/// bits. It guards against corruption, not tampering; policy files carry no code to tamper with.
enum CRC32 {
    private static let crc = SlicingCRC(reflectedPolynomial: 0xEDB8_8320)

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 { crc.checksum(bytes) }
}

/// FNV-1a, 64-bit: the hash of an env script's source stored in a policy, to notice that the
/// script changed since training (a warning, not an error).
public enum SourceHash {
    public static func of(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        let hex = String(hash, radix: 16)
        return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
