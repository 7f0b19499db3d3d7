import Environments
import Foundation
@testable import PolicyFile
import PPO
import Testing

/// Files crafted to make the reader allocate, loop or hide data: each is refused first.
@Suite struct ValidateBeforeAllocatingTests {
    let valid = try! PolicyCodec.encode(sampleTrainedPolicy())

    @Test func aTinyFileCannotDeclareAHugeNetwork() {
        var (header, data) = unframe(valid)
        var metadata = header["metadata"] as! [String: Any]
        var architecture = metadata["architecture"] as! [String: Any]
        architecture["hidden"] = [16384, 16384, 16384]
        metadata["architecture"] = architecture
        header["metadata"] = metadata
        let message = rejection(frame(header: json(header), data: data))
        #expect(message?.contains("the header declares a network of") == true, "\(message ?? "loaded")")
    }

    @Test func bytesBetweenOrAfterTensorsAreRefused() {
        let (header, data) = unframe(valid)
        // 64 more bytes at the end of the data section that no tensor claims.
        let trailing = rejection(frame(header: json(header), data: data + [UInt8](repeating: 7, count: 64)))
        #expect(trailing?.contains("belong to no tensor") == true, "\(trailing ?? "loaded")")
        // Nonzero bytes in the padding after a tensor whose length is not a multiple of 64.
        let tensors = header["tensors"] as! [[String: Any]]
        let index = tensors.firstIndex { ($0["length"] as! Int) % 64 != 0 }!
        let end = (tensors[index]["offset"] as! Int) + (tensors[index]["length"] as! Int)
        var padded = data
        padded[end] = 0x55
        let padding = rejection(frame(header: json(header), data: padded))
        #expect(padding?.contains("nonzero padding after tensor") == true, "\(padding ?? "loaded")")
    }

    @Test func anAllZeroGeneratorStateIsRefused() throws {
        let make: (Int) throws -> Environment = { _ in try LuaEnvironment(path: shippedEnv("cartpole")) }
        var settings = PPOSettings()
        settings.steps = 256
        settings.envs = 2
        settings.nSteps = 128
        let trainer = try Trainer(settings: settings, makeEnvironment: make)
        let policy = try trainer.train()
        var checkpoint = try trainer.checkpoint()
        #expect(try PolicyCodec.decode(PolicyCodec.encode(policy, checkpoint: checkpoint)).checkpoint != nil)
        checkpoint.environments[1].generator = [0, 0, 0, 0]
        let message = rejection(try PolicyCodec.encode(policy, checkpoint: checkpoint))
        #expect(message?.contains("'env.generator' holds an all-zero generator state (row 1)") == true, "\(message ?? "loaded")")
    }
}
