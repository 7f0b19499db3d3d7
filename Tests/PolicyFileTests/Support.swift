import Environments
import Foundation
@testable import PolicyFile
import PPO

let projectRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func shippedEnv(_ name: String) -> String { projectRoot.appendingPathComponent("envs/\(name).lua").path }

/// A small policy with recognizable contents: parameter i holds i / 1000 - 0.5.
func sampleTrainedPolicy(shared: Bool = false, discrete: Bool = false) -> TrainedPolicy {
    let architecture = NetworkArchitecture(observationSize: 3, distribution: discrete ? .categorical(count: 3) : .gaussian(dimensions: 1),
                                           hidden: [4, 4], activation: .tanh, shared: shared)
    var normalizer = ObservationNormalizer(size: 3, enabled: true, clip: 10)
    normalizer.statistics = RunningMeanStd(mean: [0.1, -0.2, 0.3], variance: [1.5, 0.5, 2.5], count: 1234)
    var settings = PPOSettings()
    settings.hidden = [4, 4]
    settings.seed = 42
    return TrainedPolicy(
        envName: "Pendulum", observationSpace: .box(low: [-1, -1, -.infinity], high: [1, 1, .infinity]),
        actionSpace: discrete ? .discrete(3) : .box(low: [-2], high: [2]), architecture: architecture,
        normalizer: normalizer, parameters: (0..<architecture.parameterCount).map { Float($0) / 1000 - 0.5 },
        settings: settings, stepsTrained: 4096, updates: 1, wallSeconds: 0.25, envScript: "envs/pendulum.lua",
        sourceHash: "fnv1a64:0123456789abcdef")
}

/// Reframes a header and a data section into a file with a valid checksum: for crafting files
/// that are well-formed on the outside and wrong inside.
func frame(header: [UInt8], data: [UInt8], major: UInt16 = 1, minor: UInt16 = 0) -> [UInt8] {
    var bytes = Layout.magic
    func append<I: FixedWidthInteger>(_ v: I) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    append(major); append(minor); append(UInt32(header.count)); append(UInt64(data.count))
    bytes += header
    bytes += [UInt8](repeating: 0, count: Layout.aligned(bytes.count) - bytes.count)
    bytes += data
    let crc = bytes.withUnsafeBytes { CRC32.checksum($0) }
    append(crc)
    return bytes
}

/// Splits a valid file into its header JSON object and its data section.
func unframe(_ bytes: [UInt8]) -> (header: [String: Any], data: [UInt8]) {
    let headerLength = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
    let header = try! JSONSerialization.jsonObject(with: Data(bytes[24..<(24 + headerLength)])) as! [String: Any]
    let dataStart = Layout.aligned(24 + headerLength)
    return (header, Array(bytes[dataStart..<(bytes.count - 4)]))
}

func json(_ object: [String: Any]) -> [UInt8] {
    [UInt8](try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
}

/// The decoder's one-line complaint, or nil when the bytes load.
func rejection(_ bytes: [UInt8]) -> String? {
    do {
        _ = try PolicyCodec.decode(bytes)
        return nil
    } catch {
        return error.message
    }
}
