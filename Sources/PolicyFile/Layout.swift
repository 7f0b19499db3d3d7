/// The fixed part of a policy file (docs/policy-format.md has the byte-level table):
///
///     0   8  magic  89 47 59 4D 0D 0A 1A 0A  ("\x89GYM\r\n\x1a\n")
///     8   2  format major, u16 little-endian
///    10   2  format minor, u16 little-endian
///    12   4  header length H, u32 little-endian (at most 16 MiB)
///    16   8  data length L, u64 little-endian
///    24   H  header: UTF-8 JSON {"metadata": {...}, "tensors": [...]}
///     …   …  zero padding up to D, the next multiple of 64
///     D   L  data: the tensors, little-endian, each starting at a multiple of 64 from D
///   D+L   4  CRC-32 of bytes 0..<D+L, u32 little-endian; the file ends here
enum Layout {
    static let magic: [UInt8] = [0x89, 0x47, 0x59, 0x4D, 0x0D, 0x0A, 0x1A, 0x0A]
    static let major: UInt16 = 1
    static let minor: UInt16 = 0
    static let prefixSize = 24
    static let alignment = 64
    static let checksumSize = 4
    static let maximumHeaderSize = 16 << 20
    /// No policy comes close; the bound keeps a corrupt length from becoming an allocation.
    static let maximumFileSize = 1 << 30
    static let maximumTensorCount = 4096

    static func aligned(_ offset: Int) -> Int { (offset + alignment - 1) / alignment * alignment }
}

/// One tensor's entry in the header: what it is and where its bytes are, relative to the start
/// of the data section.
struct TensorEntry: Codable, Equatable {
    var name: String
    var dtype: DType
    var shape: [Int]
    var offset: Int
    var length: Int

    enum DType: String, Codable {
        case f32, f64, u64
        var size: Int { self == .f32 ? 4 : 8 }
    }
}
