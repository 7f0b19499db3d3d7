import Foundation
import Testing
@testable import RunLogs
import Protobuf
import TestScratch

func temporaryFolder() throws -> String {
    try TestScratch.folder("runlogs").path
}

@Suite struct EventFileTests {
    @Test func crc32cMatchesItsPublishedCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        // RFC 3720's test vector: 32 bytes of zeros.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        // RFC 3720's other vectors: 32 bytes of 0xFF, and of 0, 1, ..., 31.
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    }

    @Test func maskRotatesAndAddsTensorFlowsConstant() {
        let crc = CRC32C.checksum(Array("123456789".utf8))
        #expect(CRC32C.masked(Array("123456789".utf8)) == ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
    }

    @Test func protobufEncodingMatchesHandEncodedBytes() {
        var message = ProtobufMessage()
        message.int64(2, 300)           // key 0x10, varint 300 = ac 02
        message.string(1, "ab")         // key 0x0a, length 2
        message.float(2, 1.0)           // key 0x15, 00 00 80 3f
        message.double(1, 0.5)          // key 0x09, 00..e0 3f
        #expect(message.bytes == [0x10, 0xAC, 0x02, 0x0A, 0x02, 0x61, 0x62, 0x15, 0x00, 0x00, 0x80, 0x3F,
                                  0x09, 0, 0, 0, 0, 0, 0, 0xE0, 0x3F])
        #expect(ProtobufMessage.firstVarint(2, in: message.bytes[...]) == 300)
        var negative = ProtobufMessage()
        negative.int64(2, -1)
        #expect(negative.bytes.count == 11)
    }

    @Test func recordsRoundTripAndACorruptedChecksumEndsTheStream() throws {
        let folder = try temporaryFolder()
        let file = try EventFile(folder: folder, opening: .fresh, now: Date(timeIntervalSince1970: 1_700_000_000))
        #expect(file.path.hasPrefix(folder + "/events.out.tfevents.1700000000."))
        for step in [100, 200, 300] {
            try file.appendScalars([("train/value_loss", Double(step)), ("skipped", .nan)], step: step, wallTime: 1)
        }
        try file.appendText("| key | value |", tag: "settings", step: 300, wallTime: 1)
        try file.flush()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file.path)))
        let read = EventFile.records(in: bytes)
        #expect(read.records.count == 5)
        #expect(read.validLength == bytes.count)
        #expect(read.records.map { EventFile.step(ofEvent: $0) } == [0, 100, 200, 300, 300])
        #expect(String(decoding: read.records[0], as: UTF8.self).contains("brain.Event:2"))
        #expect(!String(decoding: read.records[1], as: UTF8.self).contains("skipped"))
        // Flip one data byte of the third record: reading stops before it.
        let third = read.records[2]
        bytes[third.startIndex + 3] ^= 0x01
        #expect(EventFile.records(in: bytes).records.count == 2)
    }

    @Test func resumingTrimsRecordsPastTheCheckpointAndACutTail() throws {
        let folder = try temporaryFolder()
        do {
            let file = try EventFile(folder: folder, opening: .fresh)
            for step in stride(from: 100, through: 500, by: 100) {
                try file.appendScalars([("rollout/ep_rew_mean", Double(step))], step: step, wallTime: 1)
            }
        }
        let path = folder + "/" + EventFile.eventFiles(in: folder)[0]
        // A kill in the middle of a write leaves half a record.
        let handle = FileHandle(forWritingAtPath: path)!
        handle.seekToEndOfFile()
        handle.write(Data([9, 0, 0, 0, 0, 0]))
        handle.closeFile()
        let resumed = try EventFile(folder: folder, opening: .resuming(afterStep: 300))
        #expect(resumed.path == path)
        try resumed.appendScalars([("rollout/ep_rew_mean", 400)], step: 400, wallTime: 2)
        try resumed.flush()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let read = EventFile.records(in: bytes)
        #expect(read.validLength == bytes.count)
        #expect(read.records.map { EventFile.step(ofEvent: $0) } == [0, 100, 200, 300, 400])
    }

    @Test func aFreshRunReplacesTheFoldersOldEventFiles() throws {
        let folder = try temporaryFolder()
        _ = try EventFile(folder: folder, opening: .fresh, now: Date(timeIntervalSince1970: 1_600_000_000))
        _ = try EventFile(folder: folder, opening: .fresh, now: Date(timeIntervalSince1970: 1_700_000_000))
        let files = EventFile.eventFiles(in: folder)
        #expect(files.count == 1)
        #expect(files[0].hasPrefix("events.out.tfevents.1700000000."))
    }

    @Test func anUnwritableFolderIsAClearError() throws {
        #expect(throws: RunLogError.self) { try EventFile(folder: "/proc/no-such-folder", opening: .fresh) }
    }
}
