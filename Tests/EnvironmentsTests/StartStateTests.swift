import Environments
import Testing

/// Start-state distributions as Gymnasium samples them, checked over many seeds.
@Suite struct StartStateTests {
    /// Start states over `count` seeds, per state component: (min, max).
    func startRanges(_ envName: String, count: Int = 2000) throws -> [(min: Double, max: Double)] {
        let env = try LuaEnvironment(path: shippedEnv(envName))
        var ranges: [(min: Double, max: Double)] = []
        for seed in 0..<UInt64(count) {
            _ = try env.resetObservation(seed: seed)
            let state = try #require(env.physicalState().tableValue?.sequence.compactMap { $0.doubleValue })
            if ranges.isEmpty { ranges = state.map { ($0, $0) } }
            for (i, value) in state.enumerated() {
                ranges[i] = (min(ranges[i].min, value), max(ranges[i].max, value))
            }
        }
        return ranges
    }

    /// Each component lies in [low, high] and its samples reach near both ends.
    func expectUniform(_ ranges: [(min: Double, max: Double)], _ bounds: [(Double, Double)]) {
        #expect(ranges.count == bounds.count)
        for (range, (low, high)) in zip(ranges, bounds) {
            let slack = (high - low) * 0.01
            #expect(range.min >= low && range.max <= high, "\(range) outside [\(low), \(high)]")
            #expect(range.min < low + slack && range.max > high - slack, "\(range) does not fill [\(low), \(high)]")
        }
    }

    @Test func pendulumStartsUniformInAngleAndVelocity() throws {
        expectUniform(try startRanges("pendulum"), [(-.pi, .pi), (-1, 1)])
    }

    @Test func cartpoleStartsWithin005() throws {
        expectUniform(try startRanges("cartpole"), Array(repeating: (-0.05, 0.05), count: 4))
    }

    @Test func acrobotStartsWithin01() throws {
        expectUniform(try startRanges("acrobot"), Array(repeating: (-0.1, 0.1), count: 4))
    }

    @Test func mountainCarStartsAtRestBetweenMinus06AndMinus04() throws {
        let ranges = try startRanges("mountaincar_continuous")
        expectUniform([ranges[0]], [(-0.6, -0.4)])
        #expect(ranges[1].min == 0 && ranges[1].max == 0)
    }
}
