import Environments
import Testing
@testable import PPO

/// Every gradient against central finite differences, in Double.
@Suite struct GradientTests {
    /// Sum of (output · weights): a loss whose gradient at the output is `weights`.
    func weightedOutputLoss(shape: MLPShape, parameters: [Double], input: [Double], rows: Int,
                            outputWeights: [Double]) -> Double {
        let workspace = MLPWorkspace<Double>(shape: shape, capacity: rows)
        return parameters.withUnsafeBufferPointer { p in
            input.withUnsafeBufferPointer { x in
                let y = workspace.forward(parameters: p.baseAddress!, input: x.baseAddress!, rows: rows)
                return (0..<(rows * shape.outputSize)).reduce(0.0) { $0 + y[$1] * outputWeights[$1] }
            }
        }
    }

    @Test(arguments: [
        MLPShape(sizes: [3, 8, 5, 2], activation: .tanh),
        MLPShape(sizes: [4, 16, 1], activation: .relu),
        MLPShape(sizes: [5, 9, 7], activation: .tanh, activatesOutput: true),
        MLPShape(sizes: [6, 3], activation: .tanh),
    ])
    func mlpParameterAndInputGradients(shape: MLPShape) {
        let rows = 5
        var parameters: [Double] = randomArray(shape.parameterCount, seed: 11)
        var input: [Double] = randomArray(rows * shape.inputSize, seed: 12)
        let outputWeights: [Double] = randomArray(rows * shape.outputSize, seed: 13)
        var gradients = [Double](repeating: 0, count: shape.parameterCount)
        var inputGradient = [Double](repeating: 0, count: input.count)
        let workspace = MLPWorkspace<Double>(shape: shape, capacity: rows)
        parameters.withUnsafeBufferPointer { p in
            input.withUnsafeBufferPointer { x in
                workspace.forward(parameters: p.baseAddress!, input: x.baseAddress!, rows: rows)
                outputWeights.withUnsafeBufferPointer { w in
                    gradients.withUnsafeMutableBufferPointer { g in
                        inputGradient.withUnsafeMutableBufferPointer { gx in
                            workspace.backward(parameters: p.baseAddress!, outputGradient: w.baseAddress!,
                                               gradients: g.baseAddress!, inputGradient: gx.baseAddress!)
                        }
                    }
                }
            }
        }
        let fixedInput = input, fixedParameters = parameters
        for i in 0..<parameters.count {
            let numeric = centralDifference(&parameters, i) {
                weightedOutputLoss(shape: shape, parameters: $0, input: fixedInput, rows: rows, outputWeights: outputWeights)
            }
            #expect(relativeError(numeric, gradients[i]) < 1e-5, "parameter \(i): numeric \(numeric), backward \(gradients[i])")
        }
        for i in 0..<input.count {
            let numeric = centralDifference(&input, i) {
                weightedOutputLoss(shape: shape, parameters: fixedParameters, input: $0, rows: rows, outputWeights: outputWeights)
            }
            #expect(relativeError(numeric, inputGradient[i]) < 1e-5, "input \(i): numeric \(numeric), backward \(inputGradient[i])")
        }
    }

    // MARK: The PPO losses through the whole actor-critic

    /// A minibatch with random contents that exercise every branch: ratios inside the clip range
    /// (even rows) and outside it (odd rows), advantages of both signs, values near and far from
    /// the old ones.
    func makeBatch(architecture: NetworkArchitecture, parameters: [Double], rows: Int) -> Minibatch<Double> {
        let distribution = architecture.distribution
        let observationSize = architecture.observationSize
        let batch = Minibatch<Double>(capacity: rows, observationSize: observationSize,
                                      actionSize: distribution.actionSize, outputSize: distribution.outputSize)
        var rng = SeededGenerator(seed: 21)
        let buffer = RolloutBuffer<Double>(steps: rows, envs: 1, observationSize: observationSize,
                                           actionSize: distribution.actionSize, outputSize: distribution.outputSize)
        for i in 0..<(rows * observationSize) { buffer.observations[i] = rng.uniform(-2, 2) }
        let workspace = ActorCriticWorkspace<Double>(architecture: architecture, capacity: rows)
        var scratch = [Double](repeating: 0, count: distribution.outputSize)
        parameters.withUnsafeBufferPointer { p in
            let outputs = workspace.forwardPolicy(p.baseAddress!, observations: buffer.observations, rows: rows)
            for r in 0..<rows {
                let output = outputs + r * distribution.outputSize
                let current: Double
                switch distribution {
                case .gaussian(let d):
                    for j in 0..<d { buffer.actions[r * d + j] = rng.uniform(-1.5, 1.5) }
                    current = DiagonalGaussian.logProbability(mean: output, logStd: p.baseAddress! + architecture.logStdOffset,
                                                              action: buffer.actions + r * d, dimensions: d)
                case .categorical(let n):
                    buffer.actions[r] = Double(rng.integer(in: 0...Int64(n - 1)))
                    Categorical.logSoftmax(output, count: n, into: &scratch)
                    current = scratch[Int(buffer.actions[r])]
                case .deterministic, .squashedGaussian:
                    preconditionFailure("PPO batches only")
                }
                let offset = r % 2 == 0 ? rng.uniform(-0.1, 0.1) : (r % 4 == 1 ? 1 : -1) * rng.uniform(0.4, 1)
                buffer.logProbabilities[r] = current + offset
                for j in 0..<distribution.outputSize {
                    buffer.policyOutputs[r * distribution.outputSize + j] = output[j] + rng.uniform(-0.5, 0.5)
                }
                buffer.advantages[r] = rng.uniform(-2, 2)
                buffer.returns[r] = rng.uniform(-1, 1)
                buffer.values[r] = rng.uniform(-1, 1)
            }
        }
        let indices = Array(0..<rows)
        indices.withUnsafeBufferPointer { batch.gather($0, from: buffer, normalizeAdvantages: true) }
        return batch
    }

    /// The total loss policy + value at `parameters`, and its gradient from the backward passes.
    func lossAndGradient(architecture: NetworkArchitecture, parameters: [Double], batch: Minibatch<Double>,
                         terms: PPOLoss.PolicyTerms<Double>, clipRangeVf: Double, oldLogStd: [Double]) -> (Double, [Double]) {
        let rows = batch.rows
        let workspace = ActorCriticWorkspace<Double>(architecture: architecture, capacity: rows)
        let buffer = ParameterBuffer<Double>(count: architecture.parameterCount)
        buffer.load(parameters)
        let outSize = architecture.distribution.outputSize
        var outputGradient = [Double](repeating: 0, count: rows * outSize)
        var valueGradient = [Double](repeating: 0, count: rows)
        var scratch = [Double](repeating: 0, count: PPOLoss.scratchCount(architecture.distribution, rows: rows))
        let width = architecture.hidden.last ?? 0
        let trunkGradient = UnsafeMutablePointer<Double>.allocate(capacity: max(1, rows * width))
        let valueTrunkGradient = UnsafeMutablePointer<Double>.allocate(capacity: max(1, rows * width))
        defer { trunkGradient.deallocate(); valueTrunkGradient.deallocate() }
        let p = UnsafePointer(buffer.values)
        let outputs = workspace.forwardPolicy(p, observations: batch.observations, rows: rows)
        let values = workspace.forwardValue(p, observations: batch.observations, rows: rows, runTrunk: false)
        let statistics = oldLogStd.withUnsafeBufferPointer { old in
            PPOLoss.policy(distribution: architecture.distribution, outputs: outputs, logStd: p + architecture.logStdOffset,
                           oldLogStd: old.baseAddress ?? p, batch: batch, terms: terms,
                           outputGradient: &outputGradient, logStdGradient: buffer.gradients + architecture.logStdOffset,
                           scratch: &scratch)
        }
        let valueSum = PPOLoss.value(values: values, batch: batch, clipRange: clipRangeVf, vfCoef: 0.5,
                                     valueGradient: &valueGradient)
        workspace.actor.backward(parameters: p + architecture.actorOffset, outputGradient: outputGradient,
                                 gradients: buffer.gradients + architecture.actorOffset,
                                 inputGradient: architecture.shared ? trunkGradient : nil)
        workspace.critic.backward(parameters: p + architecture.criticOffset, outputGradient: valueGradient,
                                  gradients: buffer.gradients + architecture.criticOffset,
                                  inputGradient: architecture.shared ? valueTrunkGradient : nil)
        if let trunk = workspace.trunk {
            for i in 0..<(rows * width) { trunkGradient[i] += valueTrunkGradient[i] }
            trunk.backward(parameters: p, outputGradient: trunkGradient, gradients: buffer.gradients)
        }
        let loss = statistics.loss / Double(rows) + 0.5 * valueSum / Double(rows)
        return (loss, Array(UnsafeBufferPointer(start: buffer.gradients, count: buffer.count)))
    }

    @Test(arguments: [
        (ActionDistributionKind.gaussian(dimensions: 2), PPOSettings.Objective.clip, false),
        (.gaussian(dimensions: 2), .klFixed, false),
        (.gaussian(dimensions: 1), .none, true),
        (.categorical(count: 3), .clip, false),
        (.categorical(count: 3), .klAdaptive, true),
        (.categorical(count: 2), .none, false),
        // Two and three classes run copies of the loss with the count a constant; five the
        // general loop.
        (.categorical(count: 2), .klFixed, false),
        (.categorical(count: 5), .klAdaptive, false),
    ])
    func ppoLossGradients(distribution: ActionDistributionKind, objective: PPOSettings.Objective, shared: Bool) {
        let architecture = NetworkArchitecture(observationSize: 3, distribution: distribution, hidden: [6, 5],
                                               activation: .tanh, shared: shared)
        var parameters: [Double] = randomArray(architecture.parameterCount, seed: 31, scale: 0.8)
        let batch = makeBatch(architecture: architecture, parameters: parameters, rows: 9)
        let oldLogStd: [Double] = randomArray(distribution.extraParameterCount, seed: 32, scale: 0.3)
        let terms = PPOLoss.PolicyTerms<Double>(objective: objective, clipRange: 0.2, klCoef: 0.7, entCoef: 0.05)
        for clipRangeVf in [0.0, 0.3] {
            let (_, gradient) = lossAndGradient(architecture: architecture, parameters: parameters, batch: batch,
                                                terms: terms, clipRangeVf: clipRangeVf, oldLogStd: oldLogStd)
            for i in 0..<parameters.count {
                let numeric = centralDifference(&parameters, i) {
                    lossAndGradient(architecture: architecture, parameters: $0, batch: batch, terms: terms,
                                    clipRangeVf: clipRangeVf, oldLogStd: oldLogStd).0
                }
                #expect(relativeError(numeric, gradient[i], floor: 1e-7) < 1e-4,
                        "\(distribution) \(objective) parameter \(i): numeric \(numeric), backward \(gradient[i])")
            }
        }
    }

    /// The minibatch above must actually put some ratios outside the clip range, or the clip
    /// branch of the gradient would go untested.
    @Test func clipBranchIsExercised() {
        let architecture = NetworkArchitecture(observationSize: 3, distribution: .gaussian(dimensions: 2), hidden: [6, 5],
                                               activation: .tanh, shared: false)
        let parameters: [Double] = randomArray(architecture.parameterCount, seed: 31, scale: 0.8)
        let batch = makeBatch(architecture: architecture, parameters: parameters, rows: 9)
        let workspace = ActorCriticWorkspace<Double>(architecture: architecture, capacity: 9)
        var outputGradient = [Double](repeating: 0, count: 18), logStdGradient = [0.0, 0.0]
        var scratch = [Double](repeating: 0, count: PPOLoss.scratchCount(.gaussian(dimensions: 2), rows: 9))
        let statistics = parameters.withUnsafeBufferPointer { p in
            let outputs = workspace.forwardPolicy(p.baseAddress!, observations: batch.observations, rows: 9)
            return PPOLoss.policy(distribution: .gaussian(dimensions: 2), outputs: outputs,
                                  logStd: p.baseAddress! + architecture.logStdOffset, oldLogStd: p.baseAddress! + architecture.logStdOffset,
                                  batch: batch, terms: .init(objective: .clip, clipRange: 0.2, klCoef: 0, entCoef: 0),
                                  outputGradient: &outputGradient, logStdGradient: &logStdGradient, scratch: &scratch)
        }
        #expect(statistics.clipped > 0 && statistics.clipped < 9)
    }

    /// The update computes the policy loss in two halves of the rows (one per thread): each
    /// half's output gradients are those of the whole (rows are independent, means over the
    /// whole minibatch), and the halves' sums add up to the whole's.
    @Test(arguments: [ActionDistributionKind.gaussian(dimensions: 2), .categorical(count: 3)])
    func policyLossInTwoHalvesAddsUpToTheWhole(distribution: ActionDistributionKind) {
        let architecture = NetworkArchitecture(observationSize: 3, distribution: distribution, hidden: [6, 5],
                                               activation: .tanh, shared: false)
        let parameters: [Double] = randomArray(architecture.parameterCount, seed: 32, scale: 0.8)
        let rows = 9, outSize = distribution.outputSize, extra = distribution.extraParameterCount
        let batch = makeBatch(architecture: architecture, parameters: parameters, rows: rows)
        let workspace = ActorCriticWorkspace<Double>(architecture: architecture, capacity: rows)
        let terms = PPOLoss.PolicyTerms<Double>(objective: .clip, clipRange: 0.2, klCoef: 0.3, entCoef: 0.01)
        var scratch = [Double](repeating: 0, count: PPOLoss.scratchCount(distribution, rows: rows))
        func loss(_ range: Range<Int>?, _ outputGradient: inout [Double], _ logStdGradient: inout [Double]) -> PPOLoss.PolicyStatistics {
            parameters.withUnsafeBufferPointer { p in
                let outputs = workspace.forwardPolicy(p.baseAddress!, observations: batch.observations, rows: rows)
                let logStd = p.baseAddress! + architecture.logStdOffset
                return PPOLoss.policy(distribution: distribution, outputs: outputs, logStd: logStd, oldLogStd: logStd,
                                      batch: batch, rows: range, terms: terms, outputGradient: &outputGradient,
                                      logStdGradient: &logStdGradient, scratch: &scratch)
            }
        }
        var wholeGradient = [Double](repeating: 0, count: rows * outSize), wholeLogStd = [Double](repeating: 0, count: extra)
        let whole = loss(nil, &wholeGradient, &wholeLogStd)
        var halvesGradient = [Double](repeating: 9, count: rows * outSize)
        var firstLogStd = [Double](repeating: 0, count: extra), secondLogStd = firstLogStd
        let first = loss(0..<4, &halvesGradient, &firstLogStd)
        let second = loss(4..<rows, &halvesGradient, &secondLogStd)
        #expect(halvesGradient == wholeGradient)
        for j in 0..<extra { #expect(abs(firstLogStd[j] + secondLogStd[j] - wholeLogStd[j]) < 1e-12) }
        let sum = first.adding(second)
        #expect(abs(sum.loss - whole.loss) < 1e-12 && abs(sum.entropy - whole.entropy) < 1e-12)
        #expect(abs(sum.approxKL - whole.approxKL) < 1e-12 && sum.clipped == whole.clipped)
        #expect(abs(sum.kl - whole.kl) < 1e-12 && first.loss != 0 && second.loss != 0)
    }
}
