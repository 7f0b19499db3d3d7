import Environments

/// One minibatch's losses, summed over its rows, and its gradients' squared norms.
struct MinibatchLosses {
    var policy = PPOLoss.PolicyStatistics()
    var valueSum = 0.0
    var policySquaredNorm = 0.0
    var valueSquaredNorm = 0.0
    var rows = 0

    var approxKL: Double { policy.approxKL / Double(rows) }
    var gradientNorm: Double { (policySquaredNorm + valueSquaredNorm).squareRoot() }

    func checkFinite(update: Int) throws {
        guard gradientNorm.isFinite else { throw TrainingError.nonFinite(quantity: "the gradient norm", update: update) }
        guard policy.loss.isFinite else { throw TrainingError.nonFinite(quantity: "the policy loss", update: update) }
        guard valueSum.isFinite else { throw TrainingError.nonFinite(quantity: "the value loss", update: update) }
    }
}

/// The forward and backward passes of one gathered minibatch, for each network layout: a shared
/// trunk (one pass through both heads), separate networks on two threads (actor here, critic on
/// the helper: they share nothing until the gradient norm, which halves the wall time on two
/// cores), or separate networks one after the other.
extension PPOUpdate {
    /// Whether minibatches run on two threads (separate networks, the critic trained by Adam).
    var usesHelper: Bool { helper != nil && !architecture.shared && trainsValueByAdam }

    /// `afterwards`, if given, runs on the helper once its part is done (with a helper), or
    /// here at the end.
    @_specialize(where T == Float)
    func lossesAndGradients(terms: PPOLoss.PolicyTerms<T>, applyingFirst step: PendingStep?,
                            afterwards: () -> Void = {}) -> MinibatchLosses {
        var losses = MinibatchLosses(rows: batch.rows)
        defer { if !usesHelper { afterwards() } }
        if architecture.shared {
            apply(step, in: steppedRange)
            (losses.policy, losses.valueSum) = sharedForwardBackward(terms: terms)
            losses.policySquaredNorm = parameters.gradientSquaredNorm(in: 0..<offsets.parameterCount)
        } else if let helper, usesHelper {
            var policy = PPOLoss.PolicyStatistics(), valueSum = 0.0, policyNorm = 0.0, valueNorm = 0.0
            helper.fork({
                self.apply(step, in: self.policyRange)
                policy = self.policyForwardBackward(terms: terms)
                policyNorm = self.parameters.gradientSquaredNorm(in: self.policyRange)
            }, {
                self.apply(step, in: self.valueRange)
                valueSum = self.valueForwardBackward()
                valueNorm = self.parameters.gradientSquaredNorm(in: self.valueRange)
                afterwards()
            })
            (losses.policy, losses.valueSum, losses.policySquaredNorm, losses.valueSquaredNorm) = (policy, valueSum, policyNorm, valueNorm)
        } else {
            apply(step, in: steppedRange)
            losses.policy = policyForwardBackward(terms: terms)
            losses.policySquaredNorm = parameters.gradientSquaredNorm(in: policyRange)
            if trainsValueByAdam {
                losses.valueSum = valueForwardBackward()
                losses.valueSquaredNorm = parameters.gradientSquaredNorm(in: valueRange)
            }
        }
        return losses
    }

    @_specialize(where T == Float)
    private func policyForwardBackward(terms: PPOLoss.PolicyTerms<T>) -> PPOLoss.PolicyStatistics {
        parameters.zeroGradients(in: policyRange)
        let p = UnsafePointer(parameters.values)
        let outputs = policyWorkspace.forwardPolicy(p, observations: batch.observations, rows: batch.rows)
        let statistics = PPOLoss.policy(
            distribution: architecture.distribution, outputs: outputs, logStd: p + offsets.logStd,
            oldLogStd: oldLogStd, batch: batch, terms: terms, outputGradient: outputGradient,
            logStdGradient: parameters.gradients + offsets.logStd, scratch: scratch)
        policyWorkspace.actor.backward(parameters: p + offsets.actor, outputGradient: outputGradient,
                                       gradients: parameters.gradients + offsets.actor)
        return statistics
    }

    @_specialize(where T == Float)
    private func valueForwardBackward() -> Double {
        parameters.zeroGradients(in: valueRange)
        let p = UnsafePointer(parameters.values)
        let values = valueWorkspace.forwardValue(p, observations: batch.observations, rows: batch.rows)
        let sum = PPOLoss.value(values: values, batch: batch, clipRange: T(settings.clipRangeVf),
                                vfCoef: T(settings.vfCoef), valueGradient: valueGradient)
        valueWorkspace.critic.backward(parameters: p + offsets.critic, outputGradient: valueGradient,
                                       gradients: parameters.gradients + offsets.critic)
        return sum
    }

    /// The shared trunk: one forward through it, both heads on its output, the heads' input
    /// gradients summed into the trunk's backward pass (the paper's combined loss).
    @_specialize(where T == Float)
    private func sharedForwardBackward(terms: PPOLoss.PolicyTerms<T>) -> (PPOLoss.PolicyStatistics, Double) {
        guard let trunk = policyWorkspace.trunk else { preconditionFailure("shared mode without a trunk") }
        parameters.zeroGradients(in: 0..<offsets.parameterCount)
        let p = UnsafePointer(parameters.values)
        let rows = batch.rows
        let outputs = policyWorkspace.forwardPolicy(p, observations: batch.observations, rows: rows)
        let values = policyWorkspace.forwardValue(p, observations: batch.observations, rows: rows, runTrunk: false)
        let statistics = PPOLoss.policy(
            distribution: architecture.distribution, outputs: outputs, logStd: p + offsets.logStd,
            oldLogStd: oldLogStd, batch: batch, terms: terms, outputGradient: outputGradient,
            logStdGradient: parameters.gradients + offsets.logStd, scratch: scratch)
        let valueSum = PPOLoss.value(values: values, batch: batch, clipRange: T(settings.clipRangeVf),
                                     vfCoef: T(settings.vfCoef), valueGradient: valueGradient)
        policyWorkspace.actor.backward(parameters: p + offsets.actor, outputGradient: outputGradient,
                                       gradients: parameters.gradients + offsets.actor,
                                       inputGradient: trunkGradient)
        policyWorkspace.critic.backward(parameters: p + offsets.critic, outputGradient: valueGradient,
                                        gradients: parameters.gradients + offsets.critic,
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
                                                      logStd: p + offsets.logStd, dimensions: d))
                case .categorical(let n):
                    Categorical.logSoftmax(outputs + i * n, count: n, into: scratch)
                    Categorical.logSoftmax(old, count: n, into: scratch + n)
                    sum += Double(Categorical.kl(old: scratch + n, new: scratch, count: n))
                case .deterministic, .squashedGaussian:
                    preconditionFailure("PPO trains Gaussian and categorical policies; off-policy actors train in OffPolicyTrainer")
                }
            }
            start += rows
        }
        return sum / Double(buffer.rows)
    }
}
