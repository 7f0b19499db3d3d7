import Checksums

/// CRC-32C (Castagnoli), the checksum TFRecord framing uses, and TensorFlow's "masked" form of
/// it (a CRC stored next to the data it covers is masked so that a CRC of a CRC cannot collide).
public enum CRC32C {
    private static let crc = SlicingCRC(reflectedPolynomial: 0x82F6_3B78)

    public static func checksum<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt32 { crc.checksum(bytes) }

    /// TensorFlow's mask: rotate right by 15 bits and add a constant.
    public static func masked<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt32 {
        let crc = checksum(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}
