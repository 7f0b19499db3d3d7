/// The PPO losses on one minibatch, each with its gradient, side by side. Losses are means over
/// the minibatch and are minimized:
///
///   policy: -surrogate + β·KL(old ‖ new) - c2·entropy      (β only for the KL objectives)
///   value:  c1 · mean((V - R)²)                             (or PPO2's clipped max form)
///
/// where surrogate is r·A (`none`, the KL objectives) or min(r·A, clip(r, 1-ε, 1+ε)·A) (`clip`).
enum PPOLoss {
    struct PolicyTerms<S: NetworkScalar> {
        var objective: PPOSettings.Objective
        var clipRange: S
        var klCoef: S
        var entCoef: S
    }

    /// Sums over the minibatch, for the update's log.
    struct PolicyStatistics {
        var loss = 0.0
        var entropy = 0.0
        /// Σ (r - 1) - log r: the low-variance KL estimator the PPO libraries log.
        var approxKL = 0.0
        var clipped = 0.0
        /// Σ exact KL(old ‖ new), computed for the KL objectives.
        var kl = 0.0

        /// The sums of two row ranges, this one's first.
        func adding(_ other: PolicyStatistics) -> PolicyStatistics {
            PolicyStatistics(loss: loss + other.loss, entropy: entropy + other.entropy,
                             approxKL: approxKL + other.approxKL, clipped: clipped + other.clipped, kl: kl + other.kl)
        }
    }

    /// Writes ∂loss/∂outputs into `outputGradient` and adds ∂loss/∂logStd into `logStdGradient`.
    /// `scratch` holds 3 x outputSize values (categorical log-probabilities, old and new, and
    /// the new probabilities).
    @_specialize(where T == Float)
    static func policy<T: NetworkScalar>(
        distribution: ActionDistributionKind, outputs: UnsafePointer<T>, logStd: UnsafePointer<T>,
        oldLogStd: UnsafePointer<T>, batch: Minibatch<T>, rows range: Range<Int>? = nil, terms: PolicyTerms<T>,
        outputGradient: UnsafeMutablePointer<T>, logStdGradient: UnsafeMutablePointer<T>,
        scratch: UnsafeMutablePointer<T>
    ) -> PolicyStatistics {
        // Means are over the whole minibatch, whichever of its rows this call covers.
        let range = range ?? 0..<batch.rows
        if case .categorical(let n) = distribution {
            return categorical(classes: n, outputs: outputs, batch: batch, rows: range, terms: terms,
                               outputGradient: outputGradient, scratch: scratch)
        }
        let outSize = distribution.outputSize
        let inverseRows = 1 / T(batch.rows)
        let usesKL = terms.objective == .klAdaptive || terms.objective == .klFixed
        var statistics = PolicyStatistics()
        (outputGradient + range.lowerBound * outSize).update(repeating: 0, count: range.count * outSize)
        let (lower, upper) = (1 - terms.clipRange, 1 + terms.clipRange)
        // A Gaussian's entropy does not depend on the state: once per minibatch.
        var gaussianEntropy: T = 0
        if case .gaussian(let d) = distribution { gaussianEntropy = DiagonalGaussian.entropy(logStd: logStd, dimensions: d) }

        for i in range {
            let output = outputs + i * outSize
            let gradient = outputGradient + i * outSize
            let oldOutput = UnsafePointer(batch.oldPolicyOutputs + i * outSize)
            let logProbability: T, entropy: T
            var kl: T = 0
            switch distribution {
            case .gaussian(let d):
                logProbability = DiagonalGaussian.logProbability(mean: output, logStd: logStd,
                                                                 action: batch.actions + i * d, dimensions: d)
                entropy = gaussianEntropy
                if usesKL {
                    kl = DiagonalGaussian.kl(oldMean: oldOutput, oldLogStd: oldLogStd, mean: output, logStd: logStd, dimensions: d)
                }
            case .categorical(let n):
                Categorical.logSoftmax(output, count: n, into: scratch)
                Categorical.probabilities(scratch, count: n, into: scratch + 2 * n)
                logProbability = scratch[Int(batch.actions[i])]
                entropy = Categorical.entropy(logProbabilities: scratch, probabilities: scratch + 2 * n, count: n)
                if usesKL {
                    Categorical.logSoftmax(oldOutput, count: n, into: scratch + n)
                    kl = Categorical.kl(old: scratch + n, new: scratch, count: n)
                }
            case .deterministic, .squashedGaussian:
                preconditionFailure("PPO trains Gaussian and categorical policies; off-policy actors train in OffPolicyTrainer")
            }

            let logRatio = logProbability - batch.oldLogProbabilities[i]
            let ratio = T.exp(logRatio)
            let advantage = batch.advantages[i]
            let unclipped = ratio * advantage
            var loss: T
            // ∂loss/∂log p: the surrogate's derivative is r·A wherever the unclipped term counts.
            var logProbabilityScale: T
            if terms.objective == .clip {
                let clipped = Swift.min(Swift.max(ratio, lower), upper) * advantage
                loss = -Swift.min(unclipped, clipped)
                logProbabilityScale = unclipped <= clipped ? -unclipped : 0
            } else {
                loss = -unclipped
                logProbabilityScale = -unclipped
            }
            loss -= terms.entCoef * entropy
            if usesKL { loss += terms.klCoef * kl }
            logProbabilityScale *= inverseRows

            switch distribution {
            case .gaussian(let d):
                let action = UnsafePointer(batch.actions + i * d)
                DiagonalGaussian.addLogProbabilityGradient(
                    mean: output, logStd: logStd, action: action, dimensions: d, scale: logProbabilityScale,
                    meanGradient: gradient, logStdGradient: logStdGradient)
                // ∂H/∂logStd = 1 per dimension.
                for j in 0..<d { logStdGradient[j] -= terms.entCoef * inverseRows }
                if usesKL {
                    DiagonalGaussian.addKLGradient(oldMean: oldOutput, oldLogStd: oldLogStd, mean: output, logStd: logStd,
                                                   dimensions: d, scale: terms.klCoef * inverseRows,
                                                   meanGradient: gradient, logStdGradient: logStdGradient)
                }
            case .categorical(let n):
                Categorical.addLogProbabilityGradient(probabilities: scratch + 2 * n, action: Int(batch.actions[i]),
                                                      count: n, scale: logProbabilityScale, logitGradient: gradient)
                if terms.entCoef != 0 {
                    Categorical.addEntropyGradient(logProbabilities: scratch, probabilities: scratch + 2 * n,
                                                   entropy: entropy, count: n,
                                                   scale: -terms.entCoef * inverseRows, logitGradient: gradient)
                }
                if usesKL {
                    Categorical.addKLGradient(old: scratch + n, new: scratch, count: n, scale: terms.klCoef * inverseRows,
                                              logitGradient: gradient)
                }
            case .deterministic, .squashedGaussian:
                preconditionFailure("PPO trains Gaussian and categorical policies; off-policy actors train in OffPolicyTrainer")
            }

            statistics.loss += Double(loss)
            statistics.entropy += Double(entropy)
            statistics.approxKL += Double((ratio - 1) - logRatio)
            if abs(ratio - 1) > terms.clipRange { statistics.clipped += 1 }
            statistics.kl += Double(kl)
        }
        return statistics
    }

    /// `policy` for a categorical distribution: the same operations in the same order (the same
    /// bits), with the per-row choices made once. At CartPole's sizes a half of the loss sits
    /// on the critical path of every minibatch, and the general loop spent more time choosing
    /// and converting than computing.
    @_specialize(where T == Float)
    private static func categorical<T: NetworkScalar>(
        classes n: Int, outputs: UnsafePointer<T>, batch: Minibatch<T>, rows range: Range<Int>,
        terms: PolicyTerms<T>, outputGradient: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>
    ) -> PolicyStatistics {
        let inverseRows = 1 / T(batch.rows)
        let usesKL = terms.objective == .klAdaptive || terms.objective == .klFixed
        let clips = terms.objective == .clip
        let (lower, upper) = (1 - terms.clipRange, 1 + terms.clipRange)
        let entropyScale = -terms.entCoef * inverseRows, klScale = terms.klCoef * inverseRows
        let logProbabilities = scratch, oldLogProbabilities = scratch + n, probabilities = scratch + 2 * n
        var statistics = PolicyStatistics()
        (outputGradient + range.lowerBound * n).update(repeating: 0, count: range.count * n)
        for i in range {
            let output = outputs + i * n, gradient = outputGradient + i * n
            // log-softmax, then p = exp(log p), as Categorical.logSoftmax and .probabilities.
            var largest = output[0]
            for j in 1..<n { largest = Swift.max(largest, output[j]) }
            var sum: T = 0
            for j in 0..<n { sum += T.exp(output[j] - largest) }
            let logSum = largest + T.log(sum)
            var entropy: T = 0
            for j in 0..<n {
                let logProbability = output[j] - logSum
                logProbabilities[j] = logProbability
                let probability = T.exp(logProbability)
                probabilities[j] = probability
                entropy -= probability * logProbability
            }
            let action = T.index(batch.actions[i])
            var kl: T = 0
            if usesKL {
                Categorical.logSoftmax(UnsafePointer(batch.oldPolicyOutputs + i * n), count: n, into: oldLogProbabilities)
                kl = Categorical.kl(old: oldLogProbabilities, new: logProbabilities, count: n)
            }
            let logRatio = logProbabilities[action] - batch.oldLogProbabilities[i]
            let ratio = T.exp(logRatio)
            let advantage = batch.advantages[i]
            let unclipped = ratio * advantage
            var loss: T
            var logProbabilityScale: T
            if clips {
                let clipped = Swift.min(Swift.max(ratio, lower), upper) * advantage
                loss = -Swift.min(unclipped, clipped)
                logProbabilityScale = unclipped <= clipped ? -unclipped : 0
            } else {
                loss = -unclipped
                logProbabilityScale = -unclipped
            }
            loss -= terms.entCoef * entropy
            if usesKL { loss += terms.klCoef * kl }
            logProbabilityScale *= inverseRows
            for j in 0..<n { gradient[j] -= logProbabilityScale * probabilities[j] }
            gradient[action] += logProbabilityScale
            if terms.entCoef != 0 {
                for j in 0..<n { gradient[j] -= entropyScale * probabilities[j] * (logProbabilities[j] + entropy) }
            }
            if usesKL {
                Categorical.addKLGradient(old: oldLogProbabilities, new: logProbabilities, count: n, scale: klScale,
                                          logitGradient: gradient)
            }
            statistics.loss += Double(loss)
            statistics.entropy += Double(entropy)
            statistics.approxKL += Double((ratio - 1) - logRatio)
            if abs(ratio - 1) > terms.clipRange { statistics.clipped += 1 }
            statistics.kl += Double(kl)
        }
        return statistics
    }

    /// Writes ∂(vfCoef · value loss)/∂V into `valueGradient`; returns Σ of the per-row squared
    /// errors (the unscaled loss times rows). With `clipRange` > 0, PPO2's clipped form:
    /// max((V - R)², (V_old + clip(V - V_old, ±c) - R)²).
    @_specialize(where T == Float)
    static func value<T: NetworkScalar>(values: UnsafePointer<T>, batch: Minibatch<T>, clipRange: T, vfCoef: T,
                                        valueGradient: UnsafeMutablePointer<T>) -> Double {
        let rows = batch.rows
        let scale = 2 * vfCoef / T(rows)
        var sum = 0.0
        for i in 0..<rows {
            let v = values[i], target = batch.returns[i]
            let error = v - target
            if clipRange > 0 {
                let old = batch.oldValues[i]
                let step = v - old
                let clippedValue = old + Swift.min(Swift.max(step, -clipRange), clipRange)
                let clippedError = clippedValue - target
                if error * error >= clippedError * clippedError {
                    sum += Double(error * error)
                    valueGradient[i] = scale * error
                } else {
                    sum += Double(clippedError * clippedError)
                    valueGradient[i] = abs(step) < clipRange ? scale * clippedError : 0
                }
            } else {
                sum += Double(error * error)
                valueGradient[i] = scale * error
            }
        }
        return sum
    }
}
