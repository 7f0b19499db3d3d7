import Environments
import Foundation
@testable import PolicyFile
import PPO
import Testing

/// Off-policy runs through the file format: a policy loads as it was saved, and a run stopped
/// after some reports, checkpointed (replay buffer, targets, temperature) and resumed, ends
/// bit-identical to the same run left alone, whatever the thread count.
@Suite struct OffPolicyResumeTests {
    func settings(_ algorithm: PPOSettings.Algorithm, bufferSize: Int = 1_000_000) -> PPOSettings {
        var s = PPOSettings.defaults(for: algorithm)
        s.envs = 2
        s.nSteps = 100
        s.steps = 2 * 100 * 5
        s.hidden = [16, 16]
        s.batchSize = 32
        s.learningStarts = 150
        s.bufferSize = bufferSize
        s.normalizeObservations = true
        s.seed = 5
        return s
    }

    let make: (Int) throws -> Environment = { _ in try LuaEnvironment(path: shippedEnv("pendulum")) }

    /// A buffer of 300 transitions has wrapped by the checkpoint at 400 steps (TD3's case); the
    /// others keep every transition. SAC and TD3 explore with correlated noise, whose state
    /// the checkpoint carries.
    @Test(arguments: [(PPOSettings.Algorithm.ddpg, 1_000_000, 0.0), (.td3, 300, 0.9), (.sac, 1_000_000, 0.9)])
    func resumedRunEqualsUninterruptedRun(algorithm: PPOSettings.Algorithm, bufferSize: Int, correlation: Double) throws {
        var s = settings(algorithm, bufferSize: bufferSize)
        s.noiseCorrelation = correlation
        let uninterrupted = try OffPolicyTrainer(settings: s, makeEnvironment: make).train()

        s.threads = 1
        let first = try OffPolicyTrainer(settings: s, makeEnvironment: make)
        let partial = try first.train { $0.update < 2 }
        #expect(partial.updates == 2 && partial.stepsTrained == 400)
        let bytes = try PolicyCodec.encode(partial, checkpoint: try first.checkpoint())
        let document = try PolicyCodec.decode(bytes)
        let checkpoint = try #require(document.checkpoint)
        #expect(checkpoint.offPolicy?.replayCount == min(400, bufferSize))
        s.threads = 2
        let resumed = try OffPolicyTrainer(settings: s, resume: (document.policy, checkpoint), makeEnvironment: make).train()

        let differing = zip(resumed.parameters, uninterrupted.parameters).filter { $0 != $1 }.count
        #expect(differing == 0, "\(algorithm): \(differing) of \(resumed.parameters.count) parameters differ")
        #expect(resumed.normalizer == uninterrupted.normalizer)
        #expect(resumed.stepsTrained == 1000 && resumed.updates == 5)
    }

    @Test(arguments: PPOSettings.Algorithm.allCases.filter(\.isOffPolicy))
    func policiesAndCheckpointsRoundTrip(algorithm: PPOSettings.Algorithm) throws {
        var s = settings(algorithm)
        s.steps = 400
        let trainer = try OffPolicyTrainer(settings: s, makeEnvironment: make)
        let policy = try trainer.train()
        let checkpoint = try trainer.checkpoint()
        let document = try PolicyCodec.decode(try PolicyCodec.encode(policy, checkpoint: checkpoint))
        #expect(document.checkpoint == checkpoint)
        #expect(document.policy == policy)
        let plain = try PolicyCodec.decode(try PolicyCodec.encode(policy))
        #expect(plain.policy == policy && plain.checkpoint == nil)
        let names = PolicyCodec.parameterShapes(policy.architecture).map(\.name)
        #expect(names.contains("critic.0.weight") && names.contains("critic2.0.weight") == (algorithm != .ddpg))
        #expect(!names.contains("actor.log_std"))
    }

    /// A file that says one algorithm and holds another's networks is refused, never misread.
    @Test func anUnknownOrInconsistentAlgorithmIsRefused() throws {
        var s = settings(.sac)
        s.steps = 200
        let policy = try OffPolicyTrainer(settings: s, makeEnvironment: make).train()
        let bytes = try PolicyCodec.encode(policy)
        for (from, to, expected) in [(#""algorithm":"sac""#, #""algorithm":"dqn""#, "unknown algorithm 'dqn'"),
                                     (#""algorithm":"sac""#, #""algorithm":"ppo""#, "the algorithm is 'ppo' but the settings say 'sac'")] {
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.contains(from))
            let edited = try resealed(bytes, replacing: from, with: to)
            #expect(throws: FormatError.self) { try PolicyCodec.decode(edited) }
            do { _ = try PolicyCodec.decode(edited) } catch {
                #expect(error.message.contains(expected), "\(error.message)")
            }
        }
    }

    /// `bytes` with a header string replaced (same length) and the checksum recomputed.
    func resealed(_ bytes: [UInt8], replacing from: String, with to: String) throws -> [UInt8] {
        precondition(from.utf8.count == to.utf8.count)
        var out = bytes
        let needle = Array(from.utf8), replacement = Array(to.utf8)
        let index = try #require((0...(out.count - needle.count)).first { Array(out[$0..<($0 + needle.count)]) == needle })
        out.replaceSubrange(index..<(index + needle.count), with: replacement)
        let end = out.count - 4
        let crc = out[..<end].withUnsafeBytes { CRC32.checksum($0) }
        out.replaceSubrange(end..<out.count, with: withUnsafeBytes(of: crc.littleEndian, Array.init))
        return out
    }
}
