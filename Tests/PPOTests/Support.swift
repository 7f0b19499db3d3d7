import Environments
@testable import PPO

/// Random values in [-1, 1) from a seeded stream.
func randomArray<T: NetworkScalar>(_ count: Int, seed: UInt64, scale: Double = 1) -> [T] {
    var rng = SeededGenerator(seed: seed)
    return (0..<count).map { _ in T(rng.uniform(-scale, scale)) }
}

/// Central finite difference of `f` with respect to `x[i]`.
func centralDifference(_ x: inout [Double], _ i: Int, step: Double = 1e-6, _ f: ([Double]) -> Double) -> Double {
    let saved = x[i]
    x[i] = saved + step
    let plus = f(x)
    x[i] = saved - step
    let minus = f(x)
    x[i] = saved
    return (plus - minus) / (2 * step)
}

/// |a - b| relative to their size, with an absolute floor for values near zero.
func relativeError(_ a: Double, _ b: Double, floor: Double = 1e-6) -> Double {
    abs(a - b) / max(abs(a), abs(b), floor)
}

/// The deterministic actions a TargetReach policy takes at some targets (it should match them).
func targetReachActions(_ policy: TrainedPolicy, targets: [Double] = [-0.8, -0.3, 0.0, 0.4, 0.9]) -> [(target: Double, action: Double)] {
    let runner = PolicyRunner(policy: policy)
    var rng = SeededGenerator(seed: 0)
    var action = [0.0]
    return targets.map { target in
        [target].withUnsafeBufferPointer { obs in
            action.withUnsafeMutableBufferPointer { runner.act(obs, into: $0, rng: &rng) }
        }
        return (target, action[0])
    }
}
