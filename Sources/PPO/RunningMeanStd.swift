/// Running mean and variance per component, merged batch by batch (Chan et al.'s parallel
/// update, as Stable-Baselines3's `RunningMeanStd`). Starts at mean 0, variance 1, count 1e-4.
public struct RunningMeanStd: Codable, Equatable, Sendable {
    public var mean: [Double]
    public var variance: [Double]
    public var count: Double

    public init(size: Int) {
        mean = Array(repeating: 0, count: size)
        variance = Array(repeating: 1, count: size)
        count = 1e-4
    }

    public init(mean: [Double], variance: [Double], count: Double) {
        self.mean = mean
        self.variance = variance
        self.count = count
    }

    /// Merges `batchCount` rows of `mean.count` values each.
    public mutating func update(_ rows: UnsafePointer<Double>, batchCount: Int) {
        guard batchCount > 0 else { return }
        let size = mean.count
        let n = Double(batchCount)
        let total = count + n
        for i in 0..<size {
            var batchMean = 0.0
            for r in 0..<batchCount { batchMean += rows[r * size + i] }
            batchMean /= n
            var batchVariance = 0.0
            for r in 0..<batchCount { let d = rows[r * size + i] - batchMean; batchVariance += d * d }
            batchVariance /= n
            let delta = batchMean - mean[i]
            let m2 = variance[i] * count + batchVariance * n + delta * delta * count * n / total
            mean[i] += delta * n / total
            variance[i] = m2 / total
        }
        count = total
    }
}

/// Observation normalization as training applied it: (x - mean) / √(var + 1e-8), clipped.
/// Saved with the policy, so evaluation sees observations exactly as training did.
public struct ObservationNormalizer: Codable, Equatable, Sendable {
    public var enabled: Bool
    public var statistics: RunningMeanStd
    public var clip: Double

    public init(size: Int, enabled: Bool, clip: Double = 10) {
        self.enabled = enabled
        statistics = RunningMeanStd(size: size)
        self.clip = clip
    }

    @inline(__always)
    public func normalize<T: NetworkScalar>(_ raw: UnsafePointer<Double>, into output: UnsafeMutablePointer<T>, count: Int) {
        guard enabled else {
            for i in 0..<count { output[i] = T(raw[i]) }
            return
        }
        statistics.mean.withUnsafeBufferPointer { mean in
            statistics.variance.withUnsafeBufferPointer { variance in
                for i in 0..<count {
                    let z = (raw[i] - mean[i]) / (variance[i] + 1e-8).squareRoot()
                    output[i] = T(Swift.min(Swift.max(z, -clip), clip))
                }
            }
        }
    }
}
