/// Everything one rollout of `steps x envs` transitions records, in flat preallocated blocks,
/// row `t * envs + e`. Environments' rows at one time step are contiguous, so a worker's slice
/// of envs is one contiguous batch for the network.
final class RolloutBuffer<T: NetworkScalar> {
    let steps: Int
    let envs: Int
    let observationSize: Int
    let actionSize: Int
    let outputSize: Int
    var rows: Int { steps * envs }

    /// Normalized observations, as the policy saw them.
    let observations: UnsafeMutablePointer<T>
    /// Raw observations, for updating the normalizer after the rollout.
    let rawObservations: UnsafeMutablePointer<Double>
    /// The unclipped sample (continuous) or the category index (discrete).
    let actions: UnsafeMutablePointer<T>
    let logProbabilities: UnsafeMutablePointer<T>
    /// The policy's outputs (means or logits) when acting, for the KL objectives.
    let policyOutputs: UnsafeMutablePointer<T>
    let values: UnsafeMutablePointer<T>
    let rewards: UnsafeMutablePointer<T>
    /// Raw rewards' running discounted returns, for reward scaling's statistics.
    let discountedReturns: UnsafeMutablePointer<Double>
    let nextValues: UnsafeMutablePointer<T>
    let episodeEnds: UnsafeMutablePointer<Bool>
    let advantages: UnsafeMutablePointer<T>
    let returns: UnsafeMutablePointer<T>
    /// Rows that ended by truncation, whose next value is the final observation's (filled in by
    /// the worker that saw it).
    let truncated: UnsafeMutablePointer<Bool>

    init(steps: Int, envs: Int, observationSize: Int, actionSize: Int, outputSize: Int) {
        self.steps = steps
        self.envs = envs
        self.observationSize = observationSize
        self.actionSize = actionSize
        self.outputSize = outputSize
        let n = steps * envs
        func block<E>(_ count: Int, _ zero: E) -> UnsafeMutablePointer<E> { .allocate(count: count, filledWith: zero) }
        observations = block(n * observationSize, 0)
        rawObservations = block(n * observationSize, 0)
        actions = block(n * actionSize, 0)
        logProbabilities = block(n, 0)
        policyOutputs = block(n * outputSize, 0)
        values = block(n, 0)
        rewards = block(n, 0)
        discountedReturns = block(n, 0)
        nextValues = block(n, 0)
        episodeEnds = block(n, false)
        advantages = block(n, 0)
        returns = block(n, 0)
        truncated = block(n, false)
    }

    deinit {
        observations.deallocate(); rawObservations.deallocate(); actions.deallocate()
        logProbabilities.deallocate(); policyOutputs.deallocate(); values.deallocate()
        rewards.deallocate(); discountedReturns.deallocate(); nextValues.deallocate()
        episodeEnds.deallocate(); advantages.deallocate(); returns.deallocate(); truncated.deallocate()
    }

    /// Fills the next values of rows that did not end an episode (see GAE), given the values of
    /// the observations after the last step.
    func linkNextValues(lastValues: UnsafePointer<T>) {
        for t in 0..<steps {
            for e in 0..<envs {
                let row = t * envs + e
                guard !episodeEnds[row] else { continue }
                nextValues[row] = t + 1 < steps ? values[row + envs] : lastValues[e]
            }
        }
    }
}
