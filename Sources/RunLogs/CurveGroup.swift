import Foundation

/// Runs of one experiment: the same env and settings, differing only by seed. Plots draw a
/// group as the mean over its runs with a band of one standard error (as the RL Zoo's plots do).
public struct CurveGroup {
    public var label: String
    public var runs: [RunFolder]

    /// One point of a curve: the step, the mean over the group's runs and its band.
    public struct Point: Equatable {
        public var step: Double
        public var mean: Double
        public var low: Double
        public var high: Double
    }

    /// Runs grouped by experiment, in the order first seen. Runs with no settings file stay
    /// alone. Labels name the env and the settings that differ between groups.
    public static func grouping(_ runs: [RunFolder]) -> [CurveGroup] {
        var keys: [String] = []
        var members: [String: [RunFolder]] = [:]
        for run in runs {
            let key = run.settings.isEmpty
                ? "folder \(run.path)"
                : ([run.environment ?? "?"] + run.experiment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: "\n")
            if members[key] == nil { keys.append(key) }
            members[key, default: []].append(run)
        }
        let groups = keys.map { members[$0]! }
        // Settings whose values differ between the groups name them apart.
        let allKeys = Set(groups.flatMap { $0[0].experiment.keys })
        let differing = allKeys.filter { key in Set(groups.map { $0[0].experiment[key] ?? "" }).count > 1 }.sorted()
        let environments = Set(groups.map { $0[0].environmentName ?? "" })
        return groups.map { runs in
            let first = runs[0]
            var parts: [String] = []
            if runs.count > 1 {
                parts.append(first.environmentName ?? first.name)
            } else {
                parts.append(first.name)
                if environments.count > 1, let env = first.environmentName, !first.name.hasPrefix(env) { parts.append(env) }
            }
            parts += differing.map { "\($0) \(first.experiment[$0] ?? "-")" }
            if runs.count > 1 { parts.append("(mean of \(runs.count) seeds)") }
            return CurveGroup(label: parts.joined(separator: " "), runs: runs)
        }
    }

    /// The group's curve of a log column against timesteps: steps every run has a value at,
    /// the mean over runs and mean ± one standard error.
    public func curve(_ column: String) -> [Point] {
        let perRun: [[Double: Double]] = runs.map { run in
            var values: [Double: Double] = [:]
            for record in run.log.records {
                if let step = record["timesteps"], let value = record[column], value.isFinite { values[step] = value }
            }
            return values
        }
        guard let first = perRun.first else { return [] }
        let steps = first.keys.filter { step in perRun.allSatisfy { $0[step] != nil } }.sorted()
        let points = steps.map { step in
            let values = perRun.map { $0[step]! }
            let n = Double(values.count)
            let mean = values.reduce(0, +) / n
            guard values.count > 1 else { return Point(step: step, mean: mean, low: mean, high: mean) }
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
            let standardError = (variance / n).squareRoot()
            return Point(step: step, mean: mean, low: mean - standardError, high: mean + standardError)
        }
        return Self.thinned(points, to: Self.maximumPoints)
    }

    /// More points than a plot's width can show only make the file large and slow to draw.
    public static let maximumPoints = 1000

    /// At most `limit` points: runs of consecutive points averaged into one.
    static func thinned(_ points: [Point], to limit: Int) -> [Point] {
        guard points.count > limit else { return points }
        let size = (points.count + limit - 1) / limit
        return stride(from: 0, to: points.count, by: size).map { start in
            let bucket = points[start..<min(start + size, points.count)]
            let n = Double(bucket.count)
            return Point(step: bucket.map(\.step).reduce(0, +) / n, mean: bucket.map(\.mean).reduce(0, +) / n,
                         low: bucket.map(\.low).reduce(0, +) / n, high: bucket.map(\.high).reduce(0, +) / n)
        }
    }
}
