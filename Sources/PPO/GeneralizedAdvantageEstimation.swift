/// GAE(γ, λ) (Schulman et al. 2016) over a rollout stored time-major: row `t * envs + e`.
///
/// Each row carries the value of its own successor state, `nextValues`, which the collector
/// fills so that episode ends are handled in one place:
/// - terminated: 0 (there is no future);
/// - truncated by the time limit: the value of the final observation (the future exists, we just
///   stopped watching), so truncation does not look like failure;
/// - otherwise: the value of the next row's observation (or of the observation after the rollout).
/// `episodeEnds` (terminated or truncated) stops the advantage from leaking into the next episode.
public enum GeneralizedAdvantageEstimation {
    @_specialize(where T == Float)
    public static func compute<T: NetworkScalar>(
        steps: Int, envs: Int, gamma: T, lambda: T,
        rewards: UnsafePointer<T>, values: UnsafePointer<T>, nextValues: UnsafePointer<T>,
        episodeEnds: UnsafePointer<Bool>,
        advantages: UnsafeMutablePointer<T>, returns: UnsafeMutablePointer<T>
    ) {
        for e in 0..<envs {
            var running: T = 0
            for t in stride(from: steps - 1, through: 0, by: -1) {
                let row = t * envs + e
                let delta = rewards[row] + gamma * nextValues[row] - values[row]
                let carry: T = episodeEnds[row] ? 0 : gamma * lambda * running
                running = delta + carry
                advantages[row] = running
                returns[row] = running + values[row]
            }
        }
    }
}
