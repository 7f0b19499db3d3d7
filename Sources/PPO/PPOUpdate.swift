import Environments

/// What one update did, for the log: means over the minibatches actually stepped.
public struct UpdateStatistics: Sendable {
    public var policyLoss = 0.0
    public var valueLoss = 0.0
    public var entropy = 0.0
    public var approxKL = 0.0
    public var clipFraction = 0.0
    /// Mean exact KL(old ‖ new) over the rollout after the update (KL objectives only).
    public var kl = 0.0
    public var gradientNorm = 0.0
    public var minibatches = 0
    public var stoppedEarly = false
}

public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// A NaN or infinity in a named quantity at a named update.
    case nonFinite(quantity: String, update: Int)
    case settings(String)

    public var description: String {
        switch self {
        case .nonFinite(let quantity, let update):
            "training stopped at update \(update): \(quantity) is not finite (NaN or infinity); the last good policy was kept"
        case .settings(let message):
            "invalid training settings: \(message)"
        }
    }
}

/// The PPO update: K epochs of shuffled minibatches over one rollout. With separate networks
/// the actor's and the critic's forward and backward passes run on two threads at once (they
/// share nothing until the gradient norm), which halves the update's wall time on two cores.
final class PPOUpdate<T: NetworkScalar>: @unchecked Sendable {
    let architecture: NetworkArchitecture
    let settings: PPOSettings
    let parameters: ParameterBuffer<T>
    let adam: Adam<T>
    private let batch: Minibatch<T>
    private let policyWorkspace: ActorCriticWorkspace<T>
    private let valueWorkspace: ActorCriticWorkspace<T>
    private let outputGradient: UnsafeMutablePointer<T>
    private let valueGradient: UnsafeMutablePointer<T>
    private let trunkGradient: UnsafeMutablePointer<T>
    private let valueTrunkGradient: UnsafeMutablePointer<T>
    private let scratch: UnsafeMutablePointer<T>
    private let oldLogStd: UnsafeMutablePointer<T>
    private var indices: [Int]
    /// The critic's thread during minibatches (separate networks, threads >= 2).
    private let helper: HelperThread?

    init(architecture: NetworkArchitecture, settings: PPOSettings, parameters: ParameterBuffer<T>, adam: Adam<T>) {
        self.architecture = architecture
        self.settings = settings
        self.parameters = parameters
        self.adam = adam
        let capacity = settings.batchSize
        let outSize = architecture.distribution.outputSize
        batch = Minibatch(capacity: capacity, observationSize: architecture.observationSize,
                          actionSize: architecture.distribution.actionSize, outputSize: outSize)
        policyWorkspace = ActorCriticWorkspace(architecture: architecture, capacity: capacity)
        valueWorkspace = ActorCriticWorkspace(architecture: architecture, capacity: capacity)
        func block(_ count: Int) -> UnsafeMutablePointer<T> { .allocate(count: Swift.max(count, 1), filledWith: 0) }
        let trunkWidth = architecture.hidden.last ?? 0
        outputGradient = block(capacity * outSize)
        valueGradient = block(capacity)
        trunkGradient = block(capacity * trunkWidth)
        valueTrunkGradient = block(capacity * trunkWidth)
        scratch = block(2 * outSize)
        oldLogStd = block(architecture.distribution.extraParameterCount)
        indices = Array(0..<settings.rolloutSize)
        helper = settings.threads >= 2 && !architecture.shared ? HelperThread() : nil
    }

    deinit {
        helper?.stop()
        outputGradient.deallocate(); valueGradient.deallocate(); trunkGradient.deallocate()
        valueTrunkGradient.deallocate(); scratch.deallocate(); oldLogStd.deallocate()
    }

    private var policyRange: Range<Int> { 0..<architecture.criticOffset }
    private var valueRange: Range<Int> { architecture.criticOffset..<architecture.parameterCount }
    /// The critic is left to Adam unless L-BFGS fits it (separately, before the policy epochs).
    private var trainsValueByAdam: Bool { settings.valueFit == .adam }

    @_specialize(where T == Float)
    func run(buffer: RolloutBuffer<T>, learningRate: Double, clipRange: Double, klCoef: Double,
             update: Int, rng: inout SeededGenerator) throws -> UpdateStatistics {
        let values = UnsafePointer(parameters.values)
        (oldLogStd).update(from: values + architecture.logStdOffset, count: architecture.distribution.extraParameterCount)
        let terms = PPOLoss.PolicyTerms<T>(objective: settings.objective, clipRange: T(clipRange),
                                           klCoef: T(klCoef), entCoef: T(settings.entCoef))
        var statistics = UpdateStatistics()
        var sampled = 0
        let batchSize = settings.batchSize
        let parallel = helper != nil && trainsValueByAdam
        let steppedRange = trainsValueByAdam ? 0..<architecture.parameterCount : policyRange

        var pending: PendingStep?
        epochs: for _ in 0..<settings.epochs {
            // A fresh permutation of 0..<n each epoch: it depends on the generator alone, so a
            // resumed run (which saved the generator, not this array) shuffles the same way.
            for i in indices.indices { indices[i] = i }
            indices.shuffle(using: &rng)
            var start = 0
            // Like Stable-Baselines3, a last partial minibatch is used as is.
            while start < indices.count {
                let end = Swift.min(start + batchSize, indices.count)
                indices.withUnsafeBufferPointer {
                    batch.gather(UnsafeBufferPointer(rebasing: $0[start..<end]), from: buffer,
                                 normalizeAdvantages: settings.normalizeAdvantage)
                }
                start = end

                var policy = PPOLoss.PolicyStatistics()
                var valueSum = 0.0
                var policyNorm = 0.0, valueNorm = 0.0
                // The previous minibatch's optimizer step is applied here, each thread on its own
                // parameters, so the two threads meet once per minibatch, not twice.
                let step = pending
                pending = nil
                if architecture.shared {
                    apply(step, in: steppedRange)
                    (policy, valueSum) = sharedForwardBackward(terms: terms)
                    policyNorm = parameters.gradientSquaredNorm(in: 0..<architecture.parameterCount)
                } else if parallel {
                    helper!.fork({
                        apply(step, in: policyRange)
                        policy = policyForwardBackward(terms: terms)
                        policyNorm = parameters.gradientSquaredNorm(in: policyRange)
                    }, {
                        apply(step, in: valueRange)
                        valueSum = valueForwardBackward()
                        valueNorm = parameters.gradientSquaredNorm(in: valueRange)
                    })
                } else {
                    apply(step, in: steppedRange)
                    policy = policyForwardBackward(terms: terms)
                    policyNorm = parameters.gradientSquaredNorm(in: policyRange)
                    if trainsValueByAdam {
                        valueSum = valueForwardBackward()
                        valueNorm = parameters.gradientSquaredNorm(in: valueRange)
                    }
                }

                let rows = Double(batch.rows)
                let approxKL = policy.approxKL / rows
                if settings.targetKl > 0 && approxKL > 1.5 * settings.targetKl {
                    statistics.stoppedEarly = true
                    break epochs
                }
                let norm = (policyNorm + valueNorm).squareRoot()
                guard norm.isFinite else { throw TrainingError.nonFinite(quantity: "the gradient norm", update: update) }
                guard policy.loss.isFinite else { throw TrainingError.nonFinite(quantity: "the policy loss", update: update) }
                guard valueSum.isFinite else { throw TrainingError.nonFinite(quantity: "the value loss", update: update) }
                // PyTorch's clip_grad_norm_: scale by max / (norm + 1e-6) when that is < 1.
                let coefficient = settings.maxGradNorm > 0 ? settings.maxGradNorm / (norm + 1e-6) : 1
                adam.advance()
                pending = PendingStep(gradientScale: coefficient < 1 ? T(coefficient) : nil, learningRate: learningRate)

                statistics.policyLoss += policy.loss / rows
                statistics.valueLoss += valueSum / rows
                statistics.entropy += policy.entropy / rows
                statistics.approxKL += approxKL
                statistics.clipFraction += policy.clipped / rows
                statistics.gradientNorm += norm
                statistics.minibatches += 1
                sampled += batch.rows
            }
        }
        apply(pending, in: steppedRange)
        if statistics.minibatches > 0 {
            let n = Double(statistics.minibatches)
            statistics.policyLoss /= n
            statistics.valueLoss /= n
            statistics.entropy /= n
            statistics.approxKL /= n
            statistics.clipFraction /= n
            statistics.gradientNorm /= n
        }
        guard parameters.allFinite else { throw TrainingError.nonFinite(quantity: "a network parameter", update: update) }
        return statistics
    }

    /// An optimizer step decided (gradient norm known) but not yet applied.
    private struct PendingStep {
        var gradientScale: T?
        var learningRate: Double
    }

    private func apply(_ step: PendingStep?, in range: Range<Int>) {
        guard let step else { return }
        if let scale = step.gradientScale { parameters.scaleGradients(by: scale, in: range) }
        adam.step(parameters, learningRate: step.learningRate, in: range)
    }

    // MARK: Forward and backward passes on the gathered minibatch

    @_specialize(where T == Float)
    private func policyForwardBackward(terms: PPOLoss.PolicyTerms<T>) -> PPOLoss.PolicyStatistics {
        parameters.zeroGradients(in: policyRange)
        let p = UnsafePointer(parameters.values)
        let outputs = policyWorkspace.forwardPolicy(p, observations: batch.observations, rows: batch.rows)
        let statistics = PPOLoss.policy(
            distribution: architecture.distribution, outputs: outputs, logStd: p + architecture.logStdOffset,
            oldLogStd: oldLogStd, batch: batch, terms: terms, outputGradient: outputGradient,
            logStdGradient: parameters.gradients + architecture.logStdOffset, scratch: scratch)
        policyWorkspace.actor.backward(parameters: p + architecture.actorOffset, outputGradient: outputGradient,
                                       gradients: parameters.gradients + architecture.actorOffset)
        return statistics
    }

    @_specialize(where T == Float)
    private func valueForwardBackward() -> Double {
        parameters.zeroGradients(in: valueRange)
        let p = UnsafePointer(parameters.values)
        let values = valueWorkspace.forwardValue(p, observations: batch.observations, rows: batch.rows)
        let sum = PPOLoss.value(values: values, batch: batch, clipRange: T(settings.clipRangeVf),
                                vfCoef: T(settings.vfCoef), valueGradient: valueGradient)
        valueWorkspace.critic.backward(parameters: p + architecture.criticOffset, outputGradient: valueGradient,
                                       gradients: parameters.gradients + architecture.criticOffset)
        return sum
    }

    /// The shared trunk: one forward through it, both heads on its output, the heads' input
    /// gradients summed into the trunk's backward pass (the paper's combined loss).
    @_specialize(where T == Float)
    private func sharedForwardBackward(terms: PPOLoss.PolicyTerms<T>) -> (PPOLoss.PolicyStatistics, Double) {
        guard let trunk = policyWorkspace.trunk else { preconditionFailure("shared mode without a trunk") }
        parameters.zeroGradients(in: 0..<architecture.parameterCount)
        let p = UnsafePointer(parameters.values)
        let rows = batch.rows
        let outputs = policyWorkspace.forwardPolicy(p, observations: batch.observations, rows: rows)
        let values = policyWorkspace.forwardValue(p, observations: batch.observations, rows: rows, runTrunk: false)
        let statistics = PPOLoss.policy(
            distribution: architecture.distribution, outputs: outputs, logStd: p + architecture.logStdOffset,
            oldLogStd: oldLogStd, batch: batch, terms: terms, outputGradient: outputGradient,
            logStdGradient: parameters.gradients + architecture.logStdOffset, scratch: scratch)
        let valueSum = PPOLoss.value(values: values, batch: batch, clipRange: T(settings.clipRangeVf),
                                     vfCoef: T(settings.vfCoef), valueGradient: valueGradient)
        policyWorkspace.actor.backward(parameters: p + architecture.actorOffset, outputGradient: outputGradient,
                                       gradients: parameters.gradients + architecture.actorOffset,
                                       inputGradient: trunkGradient)
        policyWorkspace.critic.backward(parameters: p + architecture.criticOffset, outputGradient: valueGradient,
                                        gradients: parameters.gradients + architecture.criticOffset,
                                        inputGradient: valueTrunkGradient)
        let width = architecture.hidden.last!
        for i in 0..<(rows * width) { trunkGradient[i] += valueTrunkGradient[i] }
        trunk.backward(parameters: p, outputGradient: trunkGradient, gradients: parameters.gradients)
        return (statistics, valueSum)
    }

    /// Mean exact KL(old ‖ new) over the whole rollout with the current parameters, for the
    /// adaptive β rule. One extra forward pass of the actor.
    @_specialize(where T == Float)
    func meanKL(buffer: RolloutBuffer<T>) -> Double {
        let p = UnsafePointer(parameters.values)
        let outSize = architecture.distribution.outputSize
        var sum = 0.0
        var start = 0
        while start < buffer.rows {
            let rows = Swift.min(settings.batchSize, buffer.rows - start)
            let outputs = policyWorkspace.forwardPolicy(p, observations: buffer.observations + start * architecture.observationSize, rows: rows)
            for i in 0..<rows {
                let old = UnsafePointer(buffer.policyOutputs + (start + i) * outSize)
                switch architecture.distribution {
                case .gaussian(let d):
                    sum += Double(DiagonalGaussian.kl(oldMean: old, oldLogStd: oldLogStd, mean: outputs + i * d,
                                                      logStd: p + architecture.logStdOffset, dimensions: d))
                case .categorical(let n):
                    Categorical.logSoftmax(outputs + i * n, count: n, into: scratch)
                    Categorical.logSoftmax(old, count: n, into: scratch + n)
                    sum += Double(Categorical.kl(old: scratch + n, new: scratch, count: n))
                }
            }
            start += rows
        }
        return sum / Double(buffer.rows)
    }
}
