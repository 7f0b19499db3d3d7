import Dispatch
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
/// the helper, which also takes half of the policy loss's rows and gathers the next minibatch),
/// or separate networks one after the other. Every layout computes the policy loss in the same
/// two halves, so the bits do not depend on the thread count.
extension PPOUpdate {
    /// Whether minibatches run on two threads (separate networks, the critic trained by Adam).
    var usesHelper: Bool { helper != nil && !architecture.shared && trainsValueByAdam }

    /// `afterwards`, if given, runs once: with a helper, on whichever thread finishes its part
    /// first (it must not touch what the passes read); without one, here at the end.
    /// `recordedForward`: the workspaces already hold this minibatch's forward passes (the
    /// rollout's, see `forwardRecord`), so only the backward passes run.
    @_specialize(where T == Float)
    func lossesAndGradients(terms: PPOLoss.PolicyTerms<T>, applyingFirst step: PendingStep?, recordedForward: Bool = false,
                            afterwards: () -> Void = {}) -> MinibatchLosses {
        precondition(!recordedForward || (step == nil && !architecture.shared), "a recorded forward pass is the rollout's")
        var losses = MinibatchLosses(rows: batch.rows)
        defer { if !usesHelper { afterwards() } }
        if architecture.shared {
            apply(step, in: steppedRange)
            (losses.policy, losses.valueSum) = sharedForwardBackward(terms: terms)
            losses.policySquaredNorm = parameters.gradientSquaredNorm(in: 0..<offsets.parameterCount)
        } else if let helper, usesHelper {
            var policy = PPOLoss.PolicyStatistics(), secondHalf = PPOLoss.PolicyStatistics()
            var valueSum = 0.0, policyNorm = 0.0, valueNorm = 0.0
            minibatchSerial += 1
            let serial = minibatchSerial
            // The policy loss's rows are split in two halves (at CartPole's sizes the loss costs
            // as much as the critic's work). The second half goes to whichever thread asks
            // first: the helper once its critic's forward pass is done and the actor's outputs
            // are there, this thread once it has the first half. A helper done early waits for
            // the outputs, but at most an eighth of its own forward pass's time (3-4 us at
            // CartPole's sizes, less than the half it then takes over), then goes on with the
            // critic: an actor held up by other work should not hold the critic up too.
            // The next minibatch's gather (`afterwards`) goes to whichever thread is done with
            // its part first. Timing picks the thread, never the bits.
            helper.fork({
                self.apply(step, in: self.policyRange)
                let outputs = self.policyForward(recorded: recordedForward)
                self.outputsPosted.post(serial)
                let firstHalf = self.policyLoss(half: 0, outputs: outputs, terms: terms)
                if self.secondHalfClaim.take(serial) {
                    secondHalf = self.policyLoss(half: 1, outputs: outputs, terms: terms)
                } else {
                    self.secondHalfPosted.wait(for: serial)
                }
                policy = self.combine(firstHalf, secondHalf)
                self.policyBackward()
                policyNorm = self.parameters.gradientSquaredNorm(in: self.policyRange)
                if self.afterwardsClaim.take(serial) { afterwards() }
            }, {
                self.apply(step, in: self.valueRange)
                let forwardStarted = DispatchTime.now().uptimeNanoseconds
                valueSum = self.valueForwardAndLoss(recorded: recordedForward)
                let patience = (DispatchTime.now().uptimeNanoseconds - forwardStarted) / 8
                if self.outputsPosted.wait(for: serial, atMost: patience) && self.secondHalfClaim.take(serial) {
                    secondHalf = self.policyLoss(half: 1, outputs: self.policyWorkspace.actor.output, terms: terms)
                    self.secondHalfPosted.post(serial)
                }
                self.valueBackward()
                valueNorm = self.parameters.gradientSquaredNorm(in: self.valueRange)
                if self.afterwardsClaim.take(serial) { afterwards() }
            })
            (losses.policy, losses.valueSum, losses.policySquaredNorm, losses.valueSquaredNorm) = (policy, valueSum, policyNorm, valueNorm)
        } else {
            apply(step, in: steppedRange)
            losses.policy = policyForwardBackward(terms: terms, recorded: recordedForward)
            losses.policySquaredNorm = parameters.gradientSquaredNorm(in: policyRange)
            if trainsValueByAdam {
                losses.valueSum = valueForwardAndLoss(recorded: recordedForward)
                valueBackward()
                losses.valueSquaredNorm = parameters.gradientSquaredNorm(in: valueRange)
            }
        }
        return losses
    }

    /// Zeroes the actor's gradients that the passes add into (its biases' and the log std's:
    /// the backward pass writes the weights') and runs it forward (or adopts the recorded pass);
    /// returns its outputs.
    @_specialize(where T == Float)
    private func policyForward(recorded: Bool) -> UnsafePointer<T> {
        policyWorkspace.actor.zeroBiasGradients(parameters.gradients + offsets.actor)
        parameters.zeroGradients(in: offsets.logStd..<offsets.policyEnd)
        if recorded { return policyWorkspace.actor.adoptForward(input: batch.observations, rows: batch.rows) }
        return policyWorkspace.forwardPolicy(UnsafePointer(parameters.values), observations: batch.observations,
                                             rows: batch.rows)
    }

    /// The policy loss over one half of the minibatch's rows, [0, h) or [h, n) with h = n / 2,
    /// whatever the thread count: the first half adds its log-std gradient to the gradients, the
    /// second to a buffer of its own, which `combine` adds after (fixed order, same bits).
    @_specialize(where T == Float)
    private func policyLoss(half: Int, outputs: UnsafePointer<T>, terms: PPOLoss.PolicyTerms<T>) -> PPOLoss.PolicyStatistics {
        let rows = batch.rows, middle = rows / 2
        let logStdGradient: UnsafeMutablePointer<T>
        if half == 0 {
            logStdGradient = parameters.gradients + offsets.logStd
        } else {
            logStdGradient = secondHalfLogStdGradient
            logStdGradient.update(repeating: 0, count: architecture.distribution.extraParameterCount)
        }
        let p = UnsafePointer(parameters.values)
        return PPOLoss.policy(
            distribution: architecture.distribution, outputs: outputs, logStd: p + offsets.logStd,
            oldLogStd: oldLogStd, batch: batch, rows: half == 0 ? 0..<middle : middle..<rows, terms: terms,
            outputGradient: outputGradient, logStdGradient: logStdGradient,
            scratch: half == 0 ? scratch : secondHalfScratch)
    }

    /// Both halves of the policy loss on this thread.
    @_specialize(where T == Float)
    private func policyLoss(outputs: UnsafePointer<T>, terms: PPOLoss.PolicyTerms<T>) -> PPOLoss.PolicyStatistics {
        combine(policyLoss(half: 0, outputs: outputs, terms: terms), policyLoss(half: 1, outputs: outputs, terms: terms))
    }

    private func combine(_ first: PPOLoss.PolicyStatistics, _ second: PPOLoss.PolicyStatistics) -> PPOLoss.PolicyStatistics {
        let logStdGradient = parameters.gradients + offsets.logStd
        for j in 0..<architecture.distribution.extraParameterCount { logStdGradient[j] += secondHalfLogStdGradient[j] }
        return first.adding(second)
    }

    @_specialize(where T == Float)
    private func policyBackward() {
        let p = UnsafePointer(parameters.values)
        policyWorkspace.actor.backward(parameters: p + offsets.actor, outputGradient: outputGradient,
                                       gradients: parameters.gradients + offsets.actor, overwritingWeights: true)
    }

    @_specialize(where T == Float)
    private func policyForwardBackward(terms: PPOLoss.PolicyTerms<T>, recorded: Bool) -> PPOLoss.PolicyStatistics {
        let statistics = policyLoss(outputs: policyForward(recorded: recorded), terms: terms)
        policyBackward()
        return statistics
    }

    /// Zeroes the critic's bias gradients (the backward pass writes the weights'), runs it
    /// forward (or adopts the recorded pass) and writes the value loss's gradient; returns the
    /// loss's sum.
    @_specialize(where T == Float)
    private func valueForwardAndLoss(recorded: Bool) -> Double {
        valueWorkspace.critic.zeroBiasGradients(parameters.gradients + offsets.critic)
        let values = recorded
            ? valueWorkspace.critic.adoptForward(input: batch.observations, rows: batch.rows)
            : valueWorkspace.forwardValue(UnsafePointer(parameters.values), observations: batch.observations,
                                          rows: batch.rows)
        return PPOLoss.value(values: values, batch: batch, clipRange: T(settings.clipRangeVf),
                             vfCoef: T(settings.vfCoef), valueGradient: valueGradient)
    }

    @_specialize(where T == Float)
    private func valueBackward() {
        let p = UnsafePointer(parameters.values)
        valueWorkspace.critic.backward(parameters: p + offsets.critic, outputGradient: valueGradient,
                                       gradients: parameters.gradients + offsets.critic, overwritingWeights: true)
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
        let statistics = policyLoss(outputs: outputs, terms: terms)
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
