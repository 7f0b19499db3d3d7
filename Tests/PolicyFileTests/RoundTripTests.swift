import Environments
import Foundation
@testable import PolicyFile
import PPO
import Testing
import TestScratch

@Suite struct RoundTripTests {
    @Test(arguments: [(false, false), (true, false), (false, true)])
    func policyRoundTripsExactlyAndActsTheSame(shared: Bool, discrete: Bool) throws {
        let policy = sampleTrainedPolicy(shared: shared, discrete: discrete)
        let bytes = try PolicyCodec.encode(policy)
        let document = try PolicyCodec.decode(bytes)
        #expect(document.policy == policy)
        #expect(document.formatVersion == "1.0" && document.checkpoint == nil && document.byteCount == bytes.count)
        let (original, loaded) = (PolicyRunner(policy: policy), PolicyRunner(policy: document.policy))
        var rng = SeededGenerator(seed: 1)
        var a = [0.0], b = [0.0]
        for _ in 0..<50 {
            let observation = [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-8, 8)]
            var r1 = SeededGenerator(seed: 2), r2 = SeededGenerator(seed: 2)
            observation.withUnsafeBufferPointer { obs in
                a.withUnsafeMutableBufferPointer { original.act(obs, into: $0, rng: &r1) }
                b.withUnsafeMutableBufferPointer { loaded.act(obs, into: $0, rng: &r2) }
            }
            #expect(a == b)
        }
    }

    @Test func tensorsAreAlignedAndLittleEndian() throws {
        let bytes = try PolicyCodec.encode(sampleTrainedPolicy())
        let (header, data) = unframe(bytes)
        let tensors = header["tensors"] as! [[String: Any]]
        #expect(tensors.allSatisfy { ($0["offset"] as! Int) % 64 == 0 })
        let first = tensors.first { $0["name"] as? String == "actor.0.weight" }!
        let offset = first["offset"] as! Int
        // Parameter 0 is -0.5f = 0xBF000000, little-endian.
        #expect(Array(data[offset..<(offset + 4)]) == [0x00, 0x00, 0x00, 0xBF])
        #expect((header["metadata"] as! [String: Any])["kind"] as? String == "policy")
    }

    @Test func writeIsAtomicAndLeavesNoTemporaryFiles() throws {
        let folder = TestScratch.unusedPath("atomic")
        let path = folder + "/p.policy"
        try PolicyCodec.write(sampleTrainedPolicy(), to: path)
        try PolicyCodec.write(sampleTrainedPolicy(discrete: true), to: path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["p.policy"])
        #expect(try PolicyCodec.read(from: path).policy.actionSpace == .discrete(3))
    }

    /// The creation time is written in ISO 8601, UTC, to the second (as format 1.0 specifies).
    @Test func creationTimeIsISO8601InUTC() throws {
        for (seconds, text) in [(1_795_478_400.0, "2026-11-24T00:00:00Z"), (1_795_521_845.75, "2026-11-24T12:04:05Z")] {
            let bytes = try PolicyCodec.encode(sampleTrainedPolicy(), createdAt: Date(timeIntervalSince1970: seconds))
            let (header, _) = unframe(bytes)
            #expect((header["metadata"] as! [String: Any])["created_at"] as? String == text)
        }
    }

    /// The C library's UTC timestamp is Foundation's ISO 8601 format style to the letter, for
    /// moments across years, leap days, the end of a year, fractions of a second and before 1970.
    @Test func utcTimestampMatchesFoundationsFormatStyle() {
        var moments: [Double] = [0, 1_795_521_845.75, 951_782_400, 1_709_164_799.999, 1_767_225_599.5, -86_400.25, 4_102_444_800]
        var x: UInt64 = 12_345
        for _ in 0..<200 {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            moments.append(Double(x >> 34) + Double(x & 1023) / 1024)   // 1970 to about 2514
        }
        for seconds in moments {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(Timestamps.iso8601UTC(date) == date.formatted(.iso8601), "\(seconds)")
        }
    }

    /// The file's CRC-32 is zlib's (outside readers check it): the standard check value. Its
    /// slicing is tested against byte by byte in ChecksumsTests.
    @Test func checksumIsZlibsCRC32() {
        #expect(Array("123456789".utf8).withUnsafeBytes { CRC32.checksum($0) } == 0xCBF4_3926)
    }

    /// Format 1.0 as first written; this file is never regenerated. Every later gym must load it.
    @Test func goldenFormatOneZeroFileStillLoads() throws {
        let url = Bundle.module.url(forResource: "golden-1.0", withExtension: "policy", subdirectory: "Fixtures")!
        let document = try PolicyCodec.read(from: url.path)
        let expected = sampleTrainedPolicy()
        #expect(document.formatVersion == "1.0" && document.gymVersion == "0.2.0")
        #expect(document.createdAt == "2026-11-24T00:00:00Z")
        #expect(document.policy.parameters == expected.parameters)
        #expect(document.policy.normalizer == expected.normalizer)
        #expect(document.policy.observationSpace == expected.observationSpace)
        #expect(document.policy.envName == "Pendulum" && document.policy.settings.seed == 42)
        #expect(document.policy.architecture.hidden == [4, 4])
    }

    /// Run with GYM_WRITE_GOLDEN=1 once, when a new format version is introduced; never to
    /// refresh an existing golden file.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["GYM_WRITE_GOLDEN"] == "1"))
    func writeGoldenFile() throws {
        let bytes = try PolicyCodec.encode(sampleTrainedPolicy(), createdAt: Date(timeIntervalSince1970: 1_795_478_400))
        try Data(bytes).write(to: projectRoot.appendingPathComponent("Tests/PolicyFileTests/Fixtures/golden-1.0.policy"))
    }
}
