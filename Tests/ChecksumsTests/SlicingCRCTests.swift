import Checksums
import Testing

/// Eight bytes a step give the bits of one byte a step, for both polynomials gym uses, at every
/// length and alignment, and a slice the bits of a copy.
@Suite struct SlicingCRCTests {
    @Test(arguments: [UInt32(0xEDB8_8320), 0x82F6_3B78])
    func slicingByEightEqualsByteByByte(polynomial: UInt32) {
        let crc = SlicingCRC(reflectedPolynomial: polynomial)
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        func bytewise(_ slice: ArraySlice<UInt8>) -> UInt32 {
            var value: UInt32 = 0xFFFF_FFFF
            for byte in slice {
                value ^= UInt32(byte)
                for _ in 0..<8 { value = value & 1 != 0 ? polynomial ^ (value >> 1) : value >> 1 }
            }
            return value ^ 0xFFFF_FFFF
        }
        for start in 0..<9 {
            for end in [start, start + 1, start + 7, start + 8, start + 9, start + 64, 300] {
                let slice = bytes[start..<end]
                #expect(crc.checksum(slice) == bytewise(slice), "bytes \(start)..<\(end)")
                #expect(Array(slice).withUnsafeBytes { crc.checksum($0) } == bytewise(slice))
            }
        }
    }

    /// The standard check values: zlib's CRC-32 and iSCSI's CRC-32C of "123456789".
    @Test func checkValues() {
        let digits = Array("123456789".utf8)
        #expect(SlicingCRC(reflectedPolynomial: 0xEDB8_8320).checksum(digits) == 0xCBF4_3926)
        #expect(SlicingCRC(reflectedPolynomial: 0x82F6_3B78).checksum(digits) == 0xE306_9283)
    }
}
