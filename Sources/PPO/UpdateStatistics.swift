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

extension UpdateStatistics {
    /// Adds one stepped minibatch's per-row means.
    mutating func add(_ losses: MinibatchLosses) {
        let rows = Double(losses.rows)
        policyLoss += losses.policy.loss / rows
        valueLoss += losses.valueSum / rows
        entropy += losses.policy.entropy / rows
        approxKL += losses.approxKL
        clipFraction += losses.policy.clipped / rows
        gradientNorm += losses.gradientNorm
        minibatches += 1
    }

    /// Sums over minibatches become means.
    mutating func averageOverMinibatches() {
        guard minibatches > 0 else { return }
        let n = Double(minibatches)
        policyLoss /= n
        valueLoss /= n
        entropy /= n
        approxKL /= n
        clipFraction /= n
        gradientNorm /= n
    }
}
