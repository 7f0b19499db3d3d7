import Environments

/// The PPO update: K epochs of shuffled minibatches over one rollout, in the order of the
/// paper's algorithm (and of CleanRL's loop); a minibatch that is the whole rollout is not
/// shuffled. The math of each minibatch (the surrogate objective, the value loss, their
/// gradients through whichever network layout) lives in PPOUpdate+Passes.swift and
/// PPOLoss.swift; this file is the loop.
final class PPOUpdate<T: NetworkScalar>: @unchecked Sendable {
    let architecture: NetworkArchitecture
    let offsets: NetworkArchitecture.Offsets
    let settings: PPOSettings
    let parameters: ParameterBuffer<T>
    let adam: Adam<T>
    /// Two minibatch buffers: with a helper, the thread done first with its part gathers the
    /// next minibatch into one while the other thread's passes still read the other (`batch`).
    private let batches: (Minibatch<T>, Minibatch<T>)
    /// The buffers' roles, swapped when a minibatch was gathered ahead. Unowned (`batches` owns
    /// them): both threads read `batch` many times a minibatch, and a strong read would retain
    /// and release one object from two cores, bouncing its reference count between them.
    private(set) unowned(unsafe) var batch: Minibatch<T>
    private unowned(unsafe) var nextBatch: Minibatch<T>
    let policyWorkspace: ActorCriticWorkspace<T>
    let valueWorkspace: ActorCriticWorkspace<T>
    let outputGradient: UnsafeMutablePointer<T>
    let valueGradient: UnsafeMutablePointer<T>
    let trunkGradient: UnsafeMutablePointer<T>
    let valueTrunkGradient: UnsafeMutablePointer<T>
    let scratch: UnsafeMutablePointer<T>
    /// The scratch and log-std gradient of the policy loss's second half (whichever thread computes it).
    let secondHalfScratch: UnsafeMutablePointer<T>
    let secondHalfLogStdGradient: UnsafeMutablePointer<T>
    /// Signals inside a minibatch's fork: the actor's outputs are ready; the second half of the
    /// policy loss is done (by the helper, when it claimed it). Both carry the minibatch's serial.
    let outputsPosted = Handoff()
    let secondHalfPosted = Handoff()
    /// Which thread computes the policy loss's second half: the first to get there.
    let secondHalfClaim = Claim()
    /// Which thread runs the work after the passes (the next minibatch's gather): the first done.
    let afterwardsClaim = Claim()
    var minibatchSerial = 0
    let oldLogStd: UnsafeMutablePointer<T>
    private var indices: [Int]
    /// The next epoch's permutation, when it was drawn early to gather its first minibatch.
    private var nextIndices: [Int]
    /// The critic's thread during minibatches (separate networks, threads >= 2).
    let helper: HelperThread?
    private let ownsHelper: Bool

    /// `helper`: the trainer's second thread, if it has one (the update then owns no thread).
    init(architecture: NetworkArchitecture, settings: PPOSettings, parameters: ParameterBuffer<T>, adam: Adam<T>,
         helper: HelperThread? = nil) {
        self.architecture = architecture
        offsets = architecture.trainingOffsets
        self.settings = settings
        self.parameters = parameters
        self.adam = adam
        let capacity = settings.batchSize
        let outSize = architecture.distribution.outputSize
        func minibatch() -> Minibatch<T> {
            Minibatch(capacity: capacity, observationSize: architecture.observationSize,
                      actionSize: architecture.distribution.actionSize, outputSize: outSize)
        }
        batches = (minibatch(), minibatch())
        batch = batches.0
        nextBatch = batches.1
        policyWorkspace = ActorCriticWorkspace(architecture: architecture, capacity: capacity, offsets: offsets)
        valueWorkspace = ActorCriticWorkspace(architecture: architecture, capacity: capacity, offsets: offsets)
        func block(_ count: Int) -> UnsafeMutablePointer<T> { .allocate(count: Swift.max(count, 1), filledWith: 0) }
        let trunkWidth = architecture.hidden.last ?? 0
        outputGradient = block(capacity * outSize)
        valueGradient = block(capacity)
        trunkGradient = block(capacity * trunkWidth)
        valueTrunkGradient = block(capacity * trunkWidth)
        scratch = block(PPOLoss.scratchCount(architecture.distribution, rows: capacity))
        secondHalfScratch = block(PPOLoss.scratchCount(architecture.distribution, rows: capacity))
        secondHalfLogStdGradient = block(architecture.distribution.extraParameterCount)
        oldLogStd = block(architecture.distribution.extraParameterCount)
        indices = Array(0..<settings.rolloutSize)
        nextIndices = indices
        if settings.threads >= 2 && !architecture.shared {
            ownsHelper = helper == nil
            self.helper = helper ?? HelperThread()
        } else {
            ownsHelper = false
            self.helper = nil
        }
    }

    deinit {
        if ownsHelper { helper?.stop() }
        outputGradient.deallocate(); valueGradient.deallocate(); trunkGradient.deallocate()
        valueTrunkGradient.deallocate(); scratch.deallocate(); oldLogStd.deallocate()
        secondHalfScratch.deallocate(); secondHalfLogStdGradient.deallocate()
    }

    /// The actor's parameters and the log std (not the gap before the critic: the gradient
    /// norm's chains run over this range, as they did before the gap).
    var policyRange: Range<Int> { 0..<offsets.policyEnd }
    var valueRange: Range<Int> { offsets.critic..<offsets.parameterCount }
    /// Minibatch rows run through the passes so far, and the useful work per row (the matrix
    /// products' FLOPs, 2 per multiply-add; without the critic when L-BFGS fits it): the
    /// benchmarks' GFLOP/s.
    private(set) var rowsProcessed = 0
    var flopsPerRow: Double {
        var multiplyAdds: Int
        if let trunk = architecture.trunk {
            multiplyAdds = trunk.trainingMultiplyAdds(inputGradient: false)
                + architecture.actor.trainingMultiplyAdds(inputGradient: true)
                + architecture.critic.trainingMultiplyAdds(inputGradient: true)
        } else {
            multiplyAdds = architecture.actor.trainingMultiplyAdds(inputGradient: false)
            if trainsValueByAdam { multiplyAdds += architecture.critic.trainingMultiplyAdds(inputGradient: false) }
        }
        return 2 * Double(multiplyAdds)
    }

    /// Where the rollout keeps its forward passes for the first minibatch, or nil. That
    /// minibatch can skip its forward passes when it is the whole rollout in the buffer's order
    /// (such a minibatch is never shuffled) and nothing has stepped since the rollout acted:
    /// the same parameters on the same stored observations, and the kernels give a row the same
    /// bits however many rows a pass covers. Not with a shared trunk, nor when L-BFGS refits
    /// the critic first. At CartPole's settings this is one forward pass of the twenty epochs'.
    var forwardRecord: RolloutCollector<T>.ForwardRecord? {
        guard settings.rolloutSize <= settings.batchSize, !architecture.shared, trainsValueByAdam else { return nil }
        return .init(actor: policyWorkspace.actor, critic: valueWorkspace.critic)
    }

    /// The critic is left to Adam unless L-BFGS fits it (separately, before the policy epochs).
    var trainsValueByAdam: Bool { settings.valueFit == .adam }
    /// The parameters Adam steps: all of them, or the actor's alone when L-BFGS fits the critic.
    /// (The gap's zeros stay zeros under Adam: zero gradients, moments and step.)
    var steppedRange: Range<Int> { trainsValueByAdam ? 0..<offsets.parameterCount : policyRange }

    /// One update over the rollout in `buffer`; returns the means the log reports.
    /// `forwardRecorded`: the rollout recorded its forward passes in `forwardRecord`.
    @_specialize(where T == Float)
    func run(buffer: RolloutBuffer<T>, learningRate: Double, clipRange: Double, klCoef: Double,
             update: Int, rng: inout SeededGenerator, forwardRecorded: Bool = false) throws -> UpdateStatistics {
        precondition(!forwardRecorded || forwardRecord != nil, "a recorded forward pass needs a whole-rollout minibatch")
        // π_old: the Gaussian's log std as it was when the rollout was collected (the means and
        // logits of π_old are in the buffer).
        oldLogStd.update(from: UnsafePointer(parameters.values) + offsets.logStd,
                         count: architecture.distribution.extraParameterCount)
        let terms = PPOLoss.PolicyTerms<T>(objective: settings.objective, clipRange: T(clipRange),
                                           klCoef: T(klCoef), entCoef: T(settings.entCoef))
        var statistics = UpdateStatistics()
        var pending: PendingStep?
        var schedule = MinibatchSchedule(rows: indices.count, size: settings.batchSize)
        epochs: for epoch in 0..<settings.epochs {
            beginEpoch(&schedule, rng: &rng)
            for rows in schedule.minibatches {
                // The losses (surrogate or KL penalty, entropy bonus, value loss) and their
                // gradients; the previous minibatch's Adam step is applied first.
                let losses = minibatchLossesAndGradients(rows: rows, epoch: epoch, schedule: &schedule, buffer: buffer,
                                                         terms: terms, applyingFirst: pending, rng: rng,
                                                         recordedForward: forwardRecorded && epoch == 0)
                pending = nil
                rowsProcessed += losses.rows
                // Early stop (target_kl) before stepping on a minibatch that moved too far.
                if settings.targetKl > 0 && losses.approxKL > 1.5 * settings.targetKl {
                    statistics.stoppedEarly = true
                    break epochs
                }
                try losses.checkFinite(update: update)
                // Clip the global gradient norm (PyTorch's clip_grad_norm_: scale by
                // max / (norm + 1e-6) when that is below 1), then take the Adam step.
                let coefficient = settings.maxGradNorm > 0 ? settings.maxGradNorm / (losses.gradientNorm + 1e-6) : 1
                adam.advance()
                pending = PendingStep(gradientScale: coefficient < 1 ? T(coefficient) : nil, learningRate: learningRate)
                statistics.add(losses)
            }
        }
        apply(pending, in: steppedRange)
        statistics.averageOverMinibatches()
        guard parameters.allFinite else { throw TrainingError.nonFinite(quantity: "a network parameter", update: update) }
        return statistics
    }

    // MARK: Which rows each minibatch takes, and when they are gathered

    /// The minibatches of an epoch and what is already gathered. With a helper thread, each next
    /// minibatch is gathered by whichever thread finishes its part of the current one first
    /// (off the longer part's path). The first minibatch of the next epoch needs that epoch's
    /// permutation: it is drawn early from a copy of the generator, which the epoch then
    /// adopts; if training stops before that epoch, the generator is as if it never drew.
    struct MinibatchSchedule {
        let rows: Int
        let size: Int
        /// `batch` already holds the rows of the minibatch about to run.
        var gathered = false
        /// The generator after drawing the next epoch's permutation (in `nextIndices`).
        var drawnAhead: SeededGenerator?

        /// One minibatch covering the whole rollout (CartPole's settings): every epoch takes the
        /// same rows, so shuffling them would only reorder the gradient's sums. `indices` then
        /// stays in rollout order (as `init` made it), the rows are gathered (and their
        /// advantages normalized) once, and no epoch draws a permutation; re-gathering them
        /// each epoch was 6-9% of a CartPole update.
        var wholeRollout: Bool { rows <= size }

        /// Each minibatch's range of the epoch's order; like Stable-Baselines3, a last partial
        /// minibatch is used as is.
        var minibatches: some Sequence<Range<Int>> {
            stride(from: 0, to: rows, by: size).lazy.map { [rows, size] in $0..<Swift.min($0 + size, rows) }
        }
    }

    /// A fresh permutation of 0..<n each epoch (not for a whole-rollout minibatch), or the one
    /// the last epoch drew ahead. It depends on the generator alone, so a resumed run (which
    /// saved the generator, not this array) shuffles the same way.
    private func beginEpoch(_ schedule: inout MinibatchSchedule, rng: inout SeededGenerator) {
        if let generator = schedule.drawnAhead {
            rng = generator
            swap(&indices, &nextIndices)
            schedule.drawnAhead = nil
        } else if !schedule.wholeRollout {
            Self.permute(&indices, using: &rng)
        }
    }

    /// One minibatch's losses and gradients (`rows` of the epoch's order), gathered first unless
    /// that was done ahead; with a helper, the next minibatch is gathered alongside.
    @_specialize(where T == Float)
    private func minibatchLossesAndGradients(rows: Range<Int>, epoch: Int, schedule: inout MinibatchSchedule,
                                             buffer: RolloutBuffer<T>, terms: PPOLoss.PolicyTerms<T>,
                                             applyingFirst pending: PendingStep?, rng: SeededGenerator,
                                             recordedForward: Bool) -> MinibatchLosses {
        let normalize = settings.normalizeAdvantage
        if !schedule.gathered {
            Self.gather(indices, rows, into: batch, from: buffer, normalize: normalize)
        }
        var prefetch: Prefetch?
        if usesHelper && !schedule.wholeRollout {
            if rows.upperBound < schedule.rows {
                prefetch = .rows(rows.upperBound..<Swift.min(rows.upperBound + schedule.size, schedule.rows))
            } else if epoch + 1 < settings.epochs {
                prefetch = .nextEpoch(firstRows: 0..<Swift.min(schedule.size, schedule.rows))
            }
        }
        guard let prefetch else {
            // `batch` holds the next minibatch's rows only when they are these again.
            schedule.gathered = schedule.wholeRollout
            return lossesAndGradients(terms: terms, applyingFirst: pending, recordedForward: recordedForward)
        }
        // (A recorded forward pass is a whole rollout's, whose rows are never gathered ahead.)
        let next = nextBatch
        var drawnAhead: SeededGenerator?
        let losses = lossesAndGradients(terms: terms, applyingFirst: pending) {
            switch prefetch {
            case .rows(let rows):
                Self.gather(self.indices, rows, into: next, from: buffer, normalize: normalize)
            case .nextEpoch(let rows):
                var generator = rng
                Self.permute(&self.nextIndices, using: &generator)
                drawnAhead = generator
                Self.gather(self.nextIndices, rows, into: next, from: buffer, normalize: normalize)
            }
        }
        if let drawnAhead { schedule.drawnAhead = drawnAhead }
        swap(&batch, &nextBatch)
        schedule.gathered = true
        return losses
    }

    /// What is prepared while the current minibatch runs: the next rows of this epoch,
    /// or the next epoch's first rows, drawing that epoch's permutation first (from a copy of the
    /// generator: 1-16 us of shuffling that was the caller's alone between two minibatches).
    private enum Prefetch {
        case rows(Range<Int>)
        case nextEpoch(firstRows: Range<Int>)
    }

    private static func permute(_ order: inout [Int], using generator: inout SeededGenerator) {
        for i in order.indices { order[i] = i }
        order.shuffle(using: &generator)
    }

    @_specialize(where T == Float)
    private static func gather(_ order: [Int], _ rows: Range<Int>, into batch: Minibatch<T>, from buffer: RolloutBuffer<T>,
                               normalize: Bool) {
        order.withUnsafeBufferPointer {
            batch.gather(UnsafeBufferPointer(rebasing: $0[rows]), from: buffer, normalizeAdvantages: normalize)
        }
    }

    /// An optimizer step decided (gradient norm known) but not yet applied. It is applied at the
    /// start of the next minibatch, by each thread on its own parameters, so that the actor's
    /// and the critic's threads meet once per minibatch, not twice.
    struct PendingStep {
        var gradientScale: T?
        var learningRate: Double
    }

    func apply(_ step: PendingStep?, in range: Range<Int>) {
        guard let step else { return }
        adam.step(parameters, learningRate: step.learningRate, in: range, gradientScale: step.gradientScale ?? 1)
    }
}
