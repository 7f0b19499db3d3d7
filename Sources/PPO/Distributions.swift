import Environments

/// What the policy network's output parameterizes, per sample.
public enum ActionDistributionKind: Codable, Equatable, Sendable {
    /// A diagonal Gaussian: the network outputs `dimensions` means; a state-independent learned
    /// log standard deviation per dimension lives beside the weights.
    case gaussian(dimensions: Int)
    /// A categorical over `count` actions: the network outputs logits.
    case categorical(count: Int)
    /// DDPG and TD3: the network outputs `dimensions` values, squashed by tanh into [-1, 1]
    /// and scaled to the action box.
    case deterministic(dimensions: Int)
    /// SAC: the network outputs `dimensions` means then `dimensions` log standard deviations;
    /// a sample is squashed by tanh and scaled to the box (the mean's image when deterministic).
    case squashedGaussian(dimensions: Int)

    public init(actionSpace: Space) {
        switch actionSpace {
        case .box(let low, _): self = .gaussian(dimensions: low.count)
        case .discrete(let n): self = .categorical(count: n)
        }
    }

    /// The off-policy kind for `algorithm` on a box of `dimensions` values.
    public init(offPolicy algorithm: PPOSettings.Algorithm, dimensions: Int) {
        self = algorithm == .sac ? .squashedGaussian(dimensions: dimensions) : .deterministic(dimensions: dimensions)
    }

    /// Network outputs per sample.
    public var outputSize: Int {
        switch self {
        case .gaussian(let d), .deterministic(let d): d
        case .categorical(let n): n
        case .squashedGaussian(let d): 2 * d
        }
    }

    /// Numbers per stored action: the sample itself, or the index of a category.
    public var actionSize: Int {
        switch self {
        case .gaussian(let d), .deterministic(let d), .squashedGaussian(let d): d
        case .categorical: 1
        }
    }

    /// Learned parameters outside the network (the Gaussian's log standard deviations).
    public var extraParameterCount: Int {
        switch self {
        case .gaussian(let d): d
        case .categorical, .deterministic, .squashedGaussian: 0
        }
    }

    /// Whether the actions are tanh-squashed into the box (the off-policy actors) rather than
    /// sampled and clipped (PPO).
    public var isSquashed: Bool {
        switch self {
        case .deterministic, .squashedGaussian: true
        case .gaussian, .categorical: false
        }
    }
}

/// Diagonal Gaussian: closed forms and their derivatives, one sample at a time.
enum DiagonalGaussian {
    static let logSqrtTwoPi = 0.91893853320467274178

    static func logProbability<T: NetworkScalar>(mean: UnsafePointer<T>, logStd: UnsafePointer<T>,
                                                 action: UnsafePointer<T>, dimensions: Int) -> T {
        var sum: T = 0
        for i in 0..<dimensions {
            let z = (action[i] - mean[i]) / T.exp(logStd[i])
            sum += -0.5 * z * z - logStd[i] - T(logSqrtTwoPi)
        }
        return sum
    }

    static func entropy<T: NetworkScalar>(logStd: UnsafePointer<T>, dimensions: Int) -> T {
        var sum: T = 0
        for i in 0..<dimensions { sum += T(0.5 + logSqrtTwoPi) + logStd[i] }
        return sum
    }

    /// KL(old || new).
    static func kl<T: NetworkScalar>(oldMean: UnsafePointer<T>, oldLogStd: UnsafePointer<T>,
                                     mean: UnsafePointer<T>, logStd: UnsafePointer<T>, dimensions: Int) -> T {
        var sum: T = 0
        for i in 0..<dimensions {
            let oldVariance = T.exp(2 * oldLogStd[i]), variance = T.exp(2 * logStd[i])
            let d = oldMean[i] - mean[i]
            sum += logStd[i] - oldLogStd[i] + (oldVariance + d * d) / (2 * variance) - 0.5
        }
        return sum
    }

    /// Adds `scale` · ∂KL(old || new)/∂(new mean, new logStd).
    static func addKLGradient<T: NetworkScalar>(
        oldMean: UnsafePointer<T>, oldLogStd: UnsafePointer<T>, mean: UnsafePointer<T>, logStd: UnsafePointer<T>,
        dimensions: Int, scale: T, meanGradient: UnsafeMutablePointer<T>, logStdGradient: UnsafeMutablePointer<T>
    ) {
        for i in 0..<dimensions {
            let oldVariance = T.exp(2 * oldLogStd[i]), variance = T.exp(2 * logStd[i])
            let d = oldMean[i] - mean[i]
            meanGradient[i] += scale * (-d / variance)
            logStdGradient[i] += scale * (1 - (oldVariance + d * d) / variance)
        }
    }

    static func sample<T: NetworkScalar>(mean: UnsafePointer<T>, logStd: UnsafePointer<T>, dimensions: Int,
                                         into action: UnsafeMutablePointer<T>, rng: inout SeededGenerator) {
        for i in 0..<dimensions {
            action[i] = mean[i] + T.exp(logStd[i]) * T(rng.normal())
        }
    }
}

/// Categorical over logits: closed forms and their derivatives, one sample at a time.
enum Categorical {
    /// Writes log-softmax(logits) into `logProbabilities`.
    static func logSoftmax<T: NetworkScalar>(_ logits: UnsafePointer<T>, count: Int,
                                             into logProbabilities: UnsafeMutablePointer<T>) {
        var largest = logits[0]
        for i in 1..<count { largest = Swift.max(largest, logits[i]) }
        var sum: T = 0
        for i in 0..<count { sum += T.exp(logits[i] - largest) }
        let logSum = largest + T.log(sum)
        for i in 0..<count { logProbabilities[i] = logits[i] - logSum }
    }

    static func entropy<T: NetworkScalar>(logProbabilities: UnsafePointer<T>, count: Int) -> T {
        var h: T = 0
        for i in 0..<count { h -= T.exp(logProbabilities[i]) * logProbabilities[i] }
        return h
    }

    /// KL(old || new) from both log-probability vectors.
    static func kl<T: NetworkScalar>(old: UnsafePointer<T>, new: UnsafePointer<T>, count: Int) -> T {
        var sum: T = 0
        for i in 0..<count { sum += T.exp(old[i]) * (old[i] - new[i]) }
        return sum
    }

    /// Adds `scale` · ∂KL(old || new)/∂(new logits) = scale · (p_new - p_old).
    static func addKLGradient<T: NetworkScalar>(old: UnsafePointer<T>, new: UnsafePointer<T>, count: Int, scale: T,
                                                logitGradient: UnsafeMutablePointer<T>) {
        for i in 0..<count { logitGradient[i] += scale * (T.exp(new[i]) - T.exp(old[i])) }
    }

    static func sample<T: NetworkScalar>(logProbabilities: UnsafePointer<T>, count: Int,
                                         rng: inout SeededGenerator) -> Int {
        let u = T(rng.uniform())
        var cumulative: T = 0
        for i in 0..<count {
            cumulative += T.exp(logProbabilities[i])
            if u < cumulative { return i }
        }
        return count - 1
    }

    static func mode<T: NetworkScalar>(_ logits: UnsafePointer<T>, count: Int) -> Int {
        var best = 0
        for i in 1..<count where logits[i] > logits[best] { best = i }
        return best
    }
}
