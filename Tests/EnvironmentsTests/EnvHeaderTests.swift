import Environments
import Foundation
import Testing

/// Every shipped env opens with a Gymnasium-style header (docs/environments.md, the header),
/// and what the header says about spaces and truncation is what the env declares.
@Suite struct EnvHeaderTests {
    static let shipped = ["pendulum", "cartpole", "mountaincar_continuous", "acrobot"]
    static let sections = ["Action space: ", "Observation space: ", "Reward: ", "Start state: ", "Termination: ",
                           "Truncation: ", "Solved: ", "Params (scenarios may change them): ", "Parity with ",
                           "Version history:"]

    @Test(arguments: shipped)
    func headerHasEverySectionAndAgreesWithTheSpec(_ name: String) throws {
        let path = shippedEnv(name)
        let source = try String(contentsOfFile: path, encoding: .utf8)
        #expect(source.hasPrefix("--[[\n"), "\(name).lua opens with the header")
        guard let end = source.range(of: "\n]]\n") else {
            Issue.record("\(name).lua: the header is not closed")
            return
        }
        let header = String(source[..<end.lowerBound])
        let lines = header.split(separator: "\n").map(String.init)
        for section in Self.sections {
            #expect(lines.contains { $0.hasPrefix(section) }, "\(name).lua's header has no '\(section)' line")
        }
        let spec = try LuaEnvironment(path: path).spec
        func declared(_ space: Space) -> String {
            switch space {
            case .discrete(let n): "Discrete(\(n))"
            case .box(let low, _): "Box(\(low.count))"
            }
        }
        #expect(lines.contains { $0.hasPrefix("Action space: \(declared(spec.actionSpace))") }, "\(name): action space")
        #expect(lines.contains { $0.hasPrefix("Observation space: \(declared(spec.observationSpace))") }, "\(name): observation space")
        #expect(lines.contains("Truncation: after \(spec.maxSteps) steps (max_steps)."), "\(name): truncation")
        if let threshold = spec.rewardThreshold {
            #expect(lines.contains { $0.hasPrefix("Solved: mean return \(Int(threshold)) (reward_threshold") }, "\(name): solved")
        }
        // The Params paragraph runs to the next blank line.
        let params = header.range(of: "\nParams").map { header[$0.lowerBound...] }
            .map { $0[..<($0.range(of: "\n\n")?.lowerBound ?? $0.endIndex)] } ?? ""
        for key in spec.params.keys {
            #expect(params.contains("\(key) = "), "\(name): param \(key) is described")
        }
    }
}
