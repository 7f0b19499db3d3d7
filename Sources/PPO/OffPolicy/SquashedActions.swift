/// Off-policy actors act in [-1, 1]: tanh squashes the network's output, and the box's bounds
/// scale it. The replay buffer and the critics see the squashed values, so one set of settings
/// (noise, target smoothing) means the same on every env.
enum SquashedActions {
    /// A squashed value in [-1, 1] as the env's action: low at -1, high at 1.
    @inline(__always)
    static func toBox(_ squashed: Double, low: Double, high: Double) -> Double {
        Swift.min(Swift.max(low + (squashed + 1) * 0.5 * (high - low), low), high)
    }

    /// An env action as a squashed value in [-1, 1] (for random actions drawn in the box).
    @inline(__always)
    static func fromBox(_ action: Double, low: Double, high: Double) -> Double {
        high > low ? 2 * (action - low) / (high - low) - 1 : 0
    }
}

/// SAC's policy: u ~ N(mean, exp(logStd)²) per dimension, action a = tanh(u). The log standard
/// deviation is clamped to [-20, 2] as in Stable-Baselines3 (no gradient flows where it is
/// clamped). Log-probabilities carry the change of variables: log π(a) = log N(u) - Σ log(1 - a² + ε).
enum SquashedGaussian {
    static let minimumLogStd = -20.0
    static let maximumLogStd = 2.0
    /// Keeps log(1 - a²) finite when tanh saturates (Stable-Baselines3's value).
    static let epsilon = 1e-6

    @inline(__always)
    static func clampedLogStd<T: NetworkScalar>(_ raw: T) -> T {
        Swift.min(Swift.max(raw, T(minimumLogStd)), T(maximumLogStd))
    }

    /// Draws one action from `output` (d means, then d raw log stds) with the standard normal
    /// draws `noise`; writes the squashed action and returns its log-probability.
    @inline(__always)
    static func sample<T: NetworkScalar>(output: UnsafePointer<T>, noise: UnsafePointer<T>, dimensions d: Int,
                                         into action: UnsafeMutablePointer<T>) -> T {
        var logProbability: T = 0
        for j in 0..<d {
            let logStd = clampedLogStd(output[d + j])
            let u = output[j] + T.exp(logStd) * noise[j]
            let a = T.tanh(u)
            action[j] = a
            logProbability += -noise[j] * noise[j] / 2 - logStd - T(DiagonalGaussian.logSqrtTwoPi)
                - T.log(1 - a * a + T(epsilon))
        }
        return logProbability
    }

    /// The gradient at the network's outputs of `logProbabilityScale · log π(a) + Σ actionGradient·a`
    /// for the sample drawn with `noise` (reparameterized: u = mean + std · noise).
    @inline(__always)
    static func addGradient<T: NetworkScalar>(output: UnsafePointer<T>, noise: UnsafePointer<T>,
                                              action: UnsafePointer<T>, dimensions d: Int,
                                              logProbabilityScale: T, actionGradient: UnsafePointer<T>,
                                              into gradient: UnsafeMutablePointer<T>) {
        for j in 0..<d {
            let a = action[j]
            let oneMinusSquare = 1 - a * a
            // ∂/∂u of -log(1 - tanh(u)² + ε) is 2a(1 - a²) / (1 - a² + ε); da/du = 1 - a².
            let du = logProbabilityScale * 2 * a * oneMinusSquare / (oneMinusSquare + T(epsilon))
                + actionGradient[j] * oneMinusSquare
            gradient[j] += du
            let raw = output[d + j]
            if raw >= T(minimumLogStd) && raw <= T(maximumLogStd) {
                // log N(u) = -noise²/2 - logStd - log √(2π) with noise fixed: ∂/∂logStd = -1;
                // u moves by std · noise per unit of logStd.
                gradient[d + j] += -logProbabilityScale + du * T.exp(raw) * noise[j]
            }
        }
    }
}
