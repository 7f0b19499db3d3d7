/// RL Coach's PPO value fitting: once per update, before the policy epochs, the critic is fitted
/// on the whole rollout by L-BFGS toward targets that move only part of the way from the old
/// values to the returns, (1 - mix)·V_old + mix·R: a trust region for the value function.
final class ValueFitter {
    let architecture: NetworkArchitecture
    let rows: Int
    let iterations: Int
    /// Pairs of (step, gradient change) kept for the inverse-Hessian estimate.
    let memory = 10
    private let workspace: ActorCriticWorkspace<Float>
    private let targets: UnsafeMutablePointer<Float>
    private let valueGradient: UnsafeMutablePointer<Float>

    init(architecture: NetworkArchitecture, rows: Int, iterations: Int) {
        self.architecture = architecture
        self.rows = rows
        self.iterations = iterations
        workspace = ActorCriticWorkspace(architecture: architecture, capacity: rows, offsets: architecture.trainingOffsets)
        targets = .allocate(count: rows, filledWith: 0)
        valueGradient = .allocate(count: rows, filledWith: 0)
    }

    deinit {
        targets.deallocate()
        valueGradient.deallocate()
    }

    /// Fits the critic's parameters in place; returns the final mean squared error.
    func fit(parameters: ParameterBuffer<Float>, buffer: RolloutBuffer<Float>, mix: Double, update: Int) throws -> Double {
        for i in 0..<rows {
            targets[i] = Float((1 - mix) * Double(buffer.values[i]) + mix * Double(buffer.returns[i]))
        }
        let offset = workspace.offsets.critic
        let count = architecture.critic.parameterCount
        var x = (0..<count).map { Double(parameters.values[offset + $0]) }
        var (f, g) = evaluate(x, parameters: parameters, observations: buffer.observations)
        var steps: [[Double]] = [], changes: [[Double]] = []

        for _ in 0..<iterations {
            var direction = Self.twoLoopDirection(gradient: g, steps: steps, changes: changes)
            var slope = dot(g, direction)
            if slope >= 0 {
                steps.removeAll(); changes.removeAll()
                direction = g.map { -$0 }
                slope = dot(g, direction)
            }
            // The first step has no curvature estimate yet: keep it to unit length.
            var stepSize = steps.isEmpty ? Swift.min(1, 1 / Swift.max(dot(g, g).squareRoot(), 1e-12)) : 1
            var accepted: (x: [Double], f: Double, g: [Double])?
            for _ in 0..<20 {
                let candidate = zip(x, direction).map { $0 + stepSize * $1 }
                let (fc, gc) = evaluate(candidate, parameters: parameters, observations: buffer.observations)
                if fc.isFinite && fc <= f + 1e-4 * stepSize * slope { accepted = (candidate, fc, gc); break }
                stepSize *= 0.5
            }
            guard let (xNew, fNew, gNew) = accepted else { break }
            let s = zip(xNew, x).map { $0 - $1 }, y = zip(gNew, g).map { $0 - $1 }
            if dot(s, y) > 1e-10 {
                steps.append(s); changes.append(y)
                if steps.count > memory { steps.removeFirst(); changes.removeFirst() }
            }
            (x, f, g) = (xNew, fNew, gNew)
            if dot(g, g).squareRoot() < 1e-7 { break }
        }
        for i in 0..<count { parameters.values[offset + i] = Float(x[i]) }
        guard f.isFinite else { throw TrainingError.nonFinite(quantity: "the value loss (L-BFGS)", update: update) }
        return f
    }

    /// The mean squared error to the targets and its gradient, at critic parameters `x`.
    private func evaluate(_ x: [Double], parameters: ParameterBuffer<Float>,
                          observations: UnsafePointer<Float>) -> (Double, [Double]) {
        let offset = workspace.offsets.critic
        let count = x.count
        for i in 0..<count { parameters.values[offset + i] = Float(x[i]) }
        parameters.zeroGradients(in: offset..<(offset + count))
        let p = UnsafePointer(parameters.values)
        let values = workspace.forwardValue(p, observations: observations, rows: rows)
        var loss = 0.0
        let scale = 2 / Float(rows)
        for i in 0..<rows {
            let error = values[i] - targets[i]
            loss += Double(error * error)
            valueGradient[i] = scale * error
        }
        workspace.critic.backward(parameters: p + offset, outputGradient: valueGradient,
                                  gradients: parameters.gradients + offset)
        return (loss / Double(rows), (0..<count).map { Double(parameters.gradients[offset + $0]) })
    }

    /// -H·g by the two-loop recursion, H₀ = (sᵀy / yᵀy)·I from the newest pair.
    static func twoLoopDirection(gradient: [Double], steps: [[Double]], changes: [[Double]]) -> [Double] {
        var q = gradient
        var alphas = [Double](repeating: 0, count: steps.count)
        for i in stride(from: steps.count - 1, through: 0, by: -1) {
            let rho = 1 / dot(changes[i], steps[i])
            alphas[i] = rho * dot(steps[i], q)
            for j in 0..<q.count { q[j] -= alphas[i] * changes[i][j] }
        }
        if let s = steps.last, let y = changes.last {
            let gamma = dot(s, y) / dot(y, y)
            for j in 0..<q.count { q[j] *= gamma }
        }
        for i in 0..<steps.count {
            let rho = 1 / dot(changes[i], steps[i])
            let beta = rho * dot(changes[i], q)
            for j in 0..<q.count { q[j] += steps[i][j] * (alphas[i] - beta) }
        }
        return q.map { -$0 }
    }
}

@inline(__always)
func dot(_ a: [Double], _ b: [Double]) -> Double {
    var sum = 0.0
    for i in 0..<a.count { sum += a[i] * b[i] }
    return sum
}
