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
    /// `scratch` holds `scratchCount(distribution, rows:)` values for calls of up to `rows` rows.
    ///
    /// One loop per distribution, the per-row choices made once: at CartPole's and Pendulum's
    /// sizes a half of the loss sits on the critical path of every minibatch, and a general loop
    /// spent more time choosing and converting than computing. The exps and logs run over
    /// arrays of the rows' arguments between the loops (eight lanes at a time; one libm call each
    /// was most of a categorical row's time), with the same bits as one call per value.
    @_specialize(where T == Float)
    static func policy<T: NetworkScalar>(
        distribution: ActionDistributionKind, outputs: UnsafePointer<T>, logStd: UnsafePointer<T>,
        oldLogStd: UnsafePointer<T>, batch: Minibatch<T>, rows range: Range<Int>? = nil, terms: PolicyTerms<T>,
        outputGradient: UnsafeMutablePointer<T>, logStdGradient: UnsafeMutablePointer<T>,
        scratch: UnsafeMutablePointer<T>
    ) -> PolicyStatistics {
        // Means are over the whole minibatch, whichever of its rows this call covers.
        let range = range ?? 0..<batch.rows
        let surrogate = Surrogate(terms: terms, rows: batch.rows)
        (outputGradient + range.lowerBound * distribution.outputSize)
            .update(repeating: 0, count: range.count * distribution.outputSize)
        switch distribution {
        case .gaussian(let d):
            return gaussian(dimensions: d, outputs: outputs, logStd: logStd, oldLogStd: oldLogStd, batch: batch,
                            rows: range, surrogate: surrogate, outputGradient: outputGradient,
                            logStdGradient: logStdGradient, scratch: scratch)
        case .categorical(let n):
            // The common class counts run copies of the loop compiled with the count a constant
            // (a type parameter), so each row's inner loops unroll: half a CartPole minibatch's
            // loss took 1.85 us in the general loop, 1.06 us in the two-class copy (one core,
            // 64 different minibatches in turn). Same bits.
            switch n {
            case 2:
                return categorical(classes: n, TwoClasses.self, outputs: outputs, batch: batch, rows: range,
                                   surrogate: surrogate, outputGradient: outputGradient, scratch: scratch)
            case 3:
                return categorical(classes: n, ThreeClasses.self, outputs: outputs, batch: batch, rows: range,
                                   surrogate: surrogate, outputGradient: outputGradient, scratch: scratch)
            default:
                return categorical(classes: n, AnyClassCount.self, outputs: outputs, batch: batch, rows: range,
                                   surrogate: surrogate, outputGradient: outputGradient, scratch: scratch)
            }
        case .deterministic, .squashedGaussian:
            preconditionFailure("PPO trains Gaussian and categorical policies; off-policy actors train in OffPolicyTrainer")
        }
    }

    /// The scratch `policy` needs for up to `rows` rows: per row, a categorical's shifted logits
    /// (their exps in place), log-probabilities and probabilities (n each), its largest logit,
    /// log-sum and log-ratio and ratio, plus n for the old policy's log-probabilities; a
    /// Gaussian's log-ratios and ratios, plus its standard deviations and their inverses.
    static func scratchCount(_ distribution: ActionDistributionKind, rows: Int) -> Int {
        switch distribution {
        case .categorical(let n): return rows * (3 * n + 4) + n
        default: return 2 * rows + 2 * distribution.outputSize
        }
    }

    /// The objective's part of one row, the same for every distribution: the ratio, the loss
    /// (surrogate, entropy bonus, KL penalty) and ∂loss/∂log p already divided by the rows.
    struct Surrogate<T: NetworkScalar> {
        let terms: PolicyTerms<T>
        let usesKL: Bool
        let inverseRows: T
        let lower: T, upper: T

        init(terms: PolicyTerms<T>, rows: Int) {
            self.terms = terms
            usesKL = terms.objective == .klAdaptive || terms.objective == .klFixed
            inverseRows = 1 / T(rows)
            (lower, upper) = (1 - terms.clipRange, 1 + terms.clipRange)
        }

        @inline(__always)
        func row(ratio: T, advantage: T, entropy: T, kl: T) -> (loss: T, logProbabilityScale: T) {
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
            return (loss, logProbabilityScale)
        }

        @inline(__always)
        func record(into statistics: inout PolicyStatistics, ratio: T, logRatio: T, loss: T, entropy: T, kl: T) {
            statistics.loss += Double(loss)
            statistics.entropy += Double(entropy)
            statistics.approxKL += Double((ratio - 1) - logRatio)
            if abs(ratio - 1) > terms.clipRange { statistics.clipped += 1 }
            statistics.kl += Double(kl)
        }
    }

    /// A diagonal Gaussian's rows: the closed forms of DiagonalGaussian, with exp(log std) and
    /// its inverse taken once per call instead of twice per row (the same values, so the same
    /// bits). The log-ratios first, their exps in one call, then the rest of each row.
    @_specialize(where T == Float)
    private static func gaussian<T: NetworkScalar>(
        dimensions d: Int, outputs: UnsafePointer<T>, logStd: UnsafePointer<T>, oldLogStd: UnsafePointer<T>,
        batch: Minibatch<T>, rows range: Range<Int>, surrogate: Surrogate<T>,
        outputGradient: UnsafeMutablePointer<T>, logStdGradient: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>
    ) -> PolicyStatistics {
        let terms = surrogate.terms, inverseRows = surrogate.inverseRows
        let standardDeviation = scratch, inverseStandardDeviation = scratch + d
        let logRatios = scratch + 2 * d, ratios = logRatios + range.count
        for j in 0..<d {
            standardDeviation[j] = T.exp(logStd[j])
            inverseStandardDeviation[j] = 1 / standardDeviation[j]
        }
        for (r, i) in range.enumerated() {
            let mean = outputs + i * d, action = UnsafePointer(batch.actions + i * d)
            var logProbability: T = 0
            for j in 0..<d {
                let z = (action[j] - mean[j]) / standardDeviation[j]
                logProbability += -0.5 * z * z - logStd[j] - T(DiagonalGaussian.logSqrtTwoPi)
            }
            logRatios[r] = logProbability - batch.oldLogProbabilities[i]
        }
        T.exp(logRatios, into: ratios, count: range.count)
        // The entropy does not depend on the state: once per call.
        let entropy = DiagonalGaussian.entropy(logStd: logStd, dimensions: d)
        var statistics = PolicyStatistics()
        for (r, i) in range.enumerated() {
            let mean = outputs + i * d, action = UnsafePointer(batch.actions + i * d)
            let gradient = outputGradient + i * d
            var kl: T = 0
            let oldMean = UnsafePointer(batch.oldPolicyOutputs + i * d)
            if surrogate.usesKL {
                kl = DiagonalGaussian.kl(oldMean: oldMean, oldLogStd: oldLogStd, mean: mean, logStd: logStd, dimensions: d)
            }
            let (loss, scale) = surrogate.row(ratio: ratios[r], advantage: batch.advantages[i], entropy: entropy, kl: kl)
            for j in 0..<d {
                let inverseStd = inverseStandardDeviation[j]
                let z = (action[j] - mean[j]) * inverseStd
                gradient[j] += scale * z * inverseStd
                logStdGradient[j] += scale * (z * z - 1)
            }
            // ∂H/∂logStd = 1 per dimension.
            for j in 0..<d { logStdGradient[j] -= terms.entCoef * inverseRows }
            if surrogate.usesKL {
                DiagonalGaussian.addKLGradient(oldMean: oldMean, oldLogStd: oldLogStd, mean: mean, logStd: logStd,
                                               dimensions: d, scale: terms.klCoef * inverseRows,
                                               meanGradient: gradient, logStdGradient: logStdGradient)
            }
            surrogate.record(into: &statistics, ratio: ratios[r], logRatio: logRatios[r], loss: loss, entropy: entropy,
                             kl: kl)
        }
        return statistics
    }

    /// A categorical's rows: log-softmax, p = exp(log p) and the entropy as in Categorical, in
    /// the same order, the exps and logs of all rows at each step in one call.
    @_specialize(where T == Float, Count == TwoClasses)
    @_specialize(where T == Float, Count == ThreeClasses)
    @_specialize(where T == Float, Count == AnyClassCount)
    private static func categorical<T: NetworkScalar, Count: ClassCount>(
        classes count: Int, _: Count.Type, outputs: UnsafePointer<T>, batch: Minibatch<T>, rows range: Range<Int>,
        surrogate: Surrogate<T>, outputGradient: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>
    ) -> PolicyStatistics {
        let n = Count.constant ?? count
        let terms = surrogate.terms
        let entropyScale = -terms.entCoef * surrogate.inverseRows, klScale = terms.klCoef * surrogate.inverseRows
        let rows = range.count, first = range.lowerBound
        let exponentials = scratch, logProbabilities = scratch + rows * n, probabilities = scratch + 2 * rows * n
        let largest = scratch + 3 * rows * n, logSums = largest + rows, logRatios = logSums + rows
        let ratios = logRatios + rows, oldLogProbabilities = ratios + rows
        let logits = outputs + first * n
        // log Σ exp(x - largest) + largest, row by row.
        for r in 0..<rows {
            let output = logits + r * n
            var most = output[0]
            for j in 1..<n { most = Swift.max(most, output[j]) }
            largest[r] = most
            for j in 0..<n { exponentials[r * n + j] = output[j] - most }
        }
        T.exp(exponentials, into: exponentials, count: rows * n)
        for r in 0..<rows {
            var sum: T = 0
            for j in 0..<n { sum += exponentials[r * n + j] }
            logSums[r] = sum
        }
        T.log(logSums, into: logSums, count: rows)
        for r in 0..<rows {
            let logSum = largest[r] + logSums[r]
            for j in 0..<n { logProbabilities[r * n + j] = logits[r * n + j] - logSum }
        }
        T.exp(logProbabilities, into: probabilities, count: rows * n)
        for r in 0..<rows {
            let action = T.index(batch.actions[first + r])
            logRatios[r] = logProbabilities[r * n + action] - batch.oldLogProbabilities[first + r]
        }
        T.exp(logRatios, into: ratios, count: rows)

        var statistics = PolicyStatistics()
        for r in 0..<rows {
            let i = first + r
            let gradient = outputGradient + i * n
            let logProbability = logProbabilities + r * n, probability = probabilities + r * n
            var entropy: T = 0
            for j in 0..<n { entropy -= probability[j] * logProbability[j] }
            let action = T.index(batch.actions[i])
            var kl: T = 0
            if surrogate.usesKL {
                Categorical.logSoftmax(UnsafePointer(batch.oldPolicyOutputs + i * n), count: n, into: oldLogProbabilities)
                kl = Categorical.kl(old: oldLogProbabilities, new: logProbability, count: n)
            }
            let (loss, scale) = surrogate.row(ratio: ratios[r], advantage: batch.advantages[i], entropy: entropy, kl: kl)
            for j in 0..<n { gradient[j] -= scale * probability[j] }
            gradient[action] += scale
            if terms.entCoef != 0 {
                for j in 0..<n { gradient[j] -= entropyScale * probability[j] * (logProbability[j] + entropy) }
            }
            if surrogate.usesKL {
                Categorical.addKLGradient(old: oldLogProbabilities, new: logProbability, count: n, scale: klScale,
                                          logitGradient: gradient)
            }
            surrogate.record(into: &statistics, ratio: ratios[r], logRatio: logRatios[r], loss: loss, entropy: entropy,
                             kl: kl)
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

/// A categorical's class count as a type, so that the policy loss's loop can be compiled for a
/// count known in advance (`constant`) as well as for any count (nil: the count is an argument).
protocol ClassCount { static var constant: Int? { get } }
enum TwoClasses: ClassCount { static var constant: Int? { 2 } }
enum ThreeClasses: ClassCount { static var constant: Int? { 3 } }
enum AnyClassCount: ClassCount { static var constant: Int? { nil } }
