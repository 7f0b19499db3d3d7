import Environments
import Foundation
@testable import PolicyFile
import PPO
import Testing
import TestScratch

/// Every way a file can be wrong gets one clear message, never a crash.
@Suite struct MalformedFileTests {
    let valid = try! PolicyCodec.encode(sampleTrainedPolicy())

    @Test func everyTruncationIsRejected() {
        for length in 0..<valid.count {
            let message = rejection(Array(valid.prefix(length)))
            #expect(message != nil, "a file cut to \(length) bytes loaded")
            if length >= 28, let message { #expect(message.contains("truncated"), "\(length): \(message)") }
        }
        #expect(rejection(valid) == nil)
    }

    @Test func everySingleBitFlipIsRejected() {
        var rng = SeededGenerator(seed: 3)
        // Every byte of the fixed prefix and the header, and a sample of the data.
        for position in 0..<valid.count where position < 1024 || rng.uniform() < 0.2 {
            var bytes = valid
            bytes[position] ^= UInt8(1) << UInt8(rng.integer(in: 0...7))
            #expect(rejection(bytes) != nil, "a bit flip at byte \(position) loaded")
        }
    }

    @Test func wrongMagicNamesWhatWasFound() {
        var bytes = valid
        bytes[1] = 0x58
        #expect(rejection(bytes)?.contains("not a gym policy file (its first bytes are 89 58 59 4d") == true)
        #expect(rejection(Array("{\"json\": true}".utf8))?.contains("not a gym policy file") == true)
    }

    @Test func newerAndOlderMajorVersionsAreRejectedNewerMinorsLoad() {
        let (header, data) = unframe(valid)
        #expect(rejection(frame(header: json(header), data: data, major: 2, minor: 1))
                == "format 2.1 is written by a newer gym; this gym reads format 1.x")
        #expect(rejection(frame(header: json(header), data: data, major: 0, minor: 9))?
                .contains("format 0.9 is an old format no longer supported") == true)
        // A later minor may add metadata keys and tensors; this reader ignores them.
        var extended = header
        var metadata = extended["metadata"] as! [String: Any]
        metadata["added_in_1_3"] = ["anything": [1, 2, 3]]
        extended["metadata"] = metadata
        #expect(rejection(frame(header: json(extended), data: data, major: 1, minor: 3)) == nil)
    }

    @Test func checksumMismatchIsNamed() {
        var bytes = valid
        bytes[bytes.count - 1] ^= 0xFF
        #expect(rejection(bytes)?.hasPrefix("checksum mismatch") == true)
        #expect(rejection(valid + [0])?.contains("1 unexpected bytes after the end") == true)
    }

    func withTensors(_ edit: (inout [[String: Any]]) -> Void) -> String? {
        var (header, data) = unframe(valid)
        var tensors = header["tensors"] as! [[String: Any]]
        edit(&tensors)
        header["tensors"] = tensors
        return rejection(frame(header: json(header), data: data))
    }

    @Test func overlappingTensorsAreRejected() {
        let message = withTensors { tensors in
            // Point the second tensor at the first one's bytes, with the same length.
            tensors[1]["offset"] = tensors[0]["offset"]
            tensors[1]["length"] = tensors[0]["length"]
            tensors[1]["shape"] = tensors[0]["shape"]
        }
        #expect(message?.contains("overlap") == true, "\(message ?? "loaded")")
    }

    @Test func oversizedCountsAndRangesAreRejectedWithoutAllocating() {
        #expect(withTensors { $0[0]["shape"] = [Int.max / 2, 4] }?.contains("shape") == true)
        #expect(withTensors { $0[0]["length"] = 1 << 40 }?.contains("does not match its length") == true)
        #expect(withTensors { $0[0]["offset"] = 1 << 30 }?.contains("inside the") == true)
        #expect(withTensors { $0[0]["offset"] = 4 }?.contains("aligned") == true)
        #expect(withTensors { tensors in
            tensors += (0..<5000).map { ["name": "t\($0)", "dtype": "f32", "shape": [0], "offset": 0, "length": 0] }
        }?.contains("more than the limit") == true)
        // Dropping a tensor from the header leaves its bytes unaccounted for: caught by the tiling.
        #expect(withTensors { $0.removeAll { $0["name"] as? String == "critic.1.weight" } }?
                .contains("the layout puts it at") == true)
        #expect(withTensors { $0[0]["dtype"] = "f16" }?.contains("header is not valid") == true)
        // A header length field far beyond the file.
        var bytes = valid
        bytes[12] = 0xFF; bytes[13] = 0xFF; bytes[14] = 0xFF; bytes[15] = 0x7F
        #expect(rejection(bytes)?.contains("exceeds") == true)
        bytes = valid
        for i in 16..<24 { bytes[i] = 0xFF }
        #expect(rejection(bytes)?.contains("data length") == true)
    }

    @Test func shapesMustMatchTheArchitectureAndNumbersBeFinite() {
        #expect(withTensors { tensors in
            let i = tensors.firstIndex { $0["name"] as? String == "actor.1.weight" }!
            tensors[i]["shape"] = [16, 1]
        }?.contains("tensor 'actor.1.weight' should be f32 of shape [4, 4]") == true)

        var (header, data) = unframe(valid)
        let tensors = header["tensors"] as! [[String: Any]]
        let offset = tensors.first { $0["name"] as? String == "critic.0.bias" }!["offset"] as! Int
        data.replaceSubrange(offset..<(offset + 4), with: withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { Array($0) })
        #expect(rejection(frame(header: json(header), data: data)) == "tensor 'critic.0.bias' holds a NaN or infinity")

        var metadata = header["metadata"] as! [String: Any]
        var architecture = metadata["architecture"] as! [String: Any]
        architecture["hidden"] = [100_000]
        metadata["architecture"] = architecture
        header["metadata"] = metadata
        #expect(rejection(frame(header: json(header), data: data))?.contains("architecture out of bounds") == true)
    }

    @Test func readNamesTheFile() throws {
        let path = TestScratch.unusedPath("bad", extension: ".policy")
        try Data(valid.prefix(100)).write(to: URL(fileURLWithPath: path))
        #expect(throws: PolicyFileError.self) { try PolicyCodec.read(from: path) }
        do { _ = try PolicyCodec.read(from: path) } catch { #expect("\(error)".hasPrefix("\(path): truncated")) }
        do { _ = try PolicyCodec.read(from: path + ".missing") } catch { #expect("\(error)" == "\(path).missing: no such file") }
    }

    /// A seeded mutation fuzzer: random bit flips, byte changes, cuts, insertions and splices,
    /// half of them with the checksum recomputed so the header and tensor checks get exercised.
    /// Every input must load or be rejected with a message; none may crash.
    @Test func fuzzedFilesNeverCrashTheReader() throws {
        let seeds = [valid, try PolicyCodec.encode(sampleTrainedPolicy(shared: true, discrete: true))]
        var rng = SeededGenerator(seed: 99)
        var loaded = 0, rejected = 0
        // GYM_FUZZ_ITERATIONS=2000000 for a long run; the suite's default is quick.
        let iterations = Int(ProcessInfo.processInfo.environment["GYM_FUZZ_ITERATIONS"] ?? "") ?? 20_000
        for i in 0..<iterations {
            var bytes = seeds[i % 2]
            for _ in 0...Int(rng.integer(in: 0...3)) {
                let position = Int(rng.integer(in: 0...Int64(max(bytes.count - 1, 0))))
                switch rng.integer(in: 0...4) {
                case 0: bytes[position] ^= UInt8(1) << UInt8(rng.integer(in: 0...7))
                case 1: bytes[position] = UInt8(rng.integer(in: 0...255))
                case 2: bytes = Array(bytes.prefix(position))
                case 3: bytes.insert(UInt8(rng.integer(in: 0...255)), at: position)
                default:
                    // Splice a plausible number into the header text.
                    let digits = Array(String(rng.integer(in: 0...Int64(1) << 40)).utf8)
                    let end = min(bytes.count, position + digits.count)
                    bytes.replaceSubrange(position..<end, with: digits)
                }
                if bytes.isEmpty { break }
            }
            if i % 2 == 1, bytes.count >= 28 {
                let end = bytes.count - 4
                let crc = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
                withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange(end..<(end + 4), with: $0) }
            }
            if rejection(bytes) == nil { loaded += 1 } else { rejected += 1 }
        }
        print("fuzzed \(iterations) inputs: \(loaded) loaded, \(rejected) rejected")
        #expect(loaded + rejected == iterations)
        #expect(rejected > iterations / 2)
    }
}
