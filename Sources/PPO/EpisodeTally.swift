import Environments

/// The training episodes so far: how many have ended, and the last 100 of them, which the
/// progress line and the log summarize. Both trainers keep one; checkpoints save it.
struct EpisodeTally {
    static let window = 100
    private(set) var completed = 0
    private(set) var recent: [VectorEnvironment.CompletedEpisode] = []

    init() {}

    /// As a checkpoint saved it.
    init(completed: Int, recentReturns: [Double], recentLengths: [Int]) {
        self.completed = completed
        recent = zip(recentReturns, recentLengths).map { VectorEnvironment.CompletedEpisode(totalReward: $0, length: $1) }
    }

    mutating func record(_ episodes: [VectorEnvironment.CompletedEpisode]) {
        completed += episodes.count
        recent.append(contentsOf: episodes)
        if recent.count > Self.window { recent.removeFirst(recent.count - Self.window) }
    }

    var recentReturns: [Double] { recent.map(\.totalReward) }
    var recentLengths: [Int] { recent.map(\.length) }

    /// Mean, min and max return of the recent episodes; nil before the first one ends.
    var returnSummary: (mean: Double, min: Double, max: Double)? {
        let returns = recentReturns
        guard !returns.isEmpty else { return nil }
        return (returns.reduce(0, +) / Double(returns.count), returns.min()!, returns.max()!)
    }

    var lengthSummary: (mean: Double, min: Int, max: Int)? {
        let lengths = recentLengths
        guard !lengths.isEmpty else { return nil }
        return (Double(lengths.reduce(0, +)) / Double(lengths.count), lengths.min()!, lengths.max()!)
    }
}
