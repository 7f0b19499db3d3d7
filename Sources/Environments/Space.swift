import Foundation

/// An observation or action space, as Gymnasium defines them.
public enum Space: Equatable, Sendable, CustomStringConvertible {
    /// A vector of reals, each within [low, high] (bounds may be infinite).
    case box(low: [Double], high: [Double])
    /// One integer in 0 ..< n.
    case discrete(Int)

    /// How many doubles one element occupies in a flat buffer (a discrete value takes one).
    public var isDiscrete: Bool {
        if case .discrete = self { return true }
        return false
    }

    public var flatSize: Int {
        switch self {
        case .box(let low, _): return low.count
        case .discrete: return 1
        }
    }

    /// Whether `values` is an element of the space.
    public func contains(_ values: UnsafeBufferPointer<Double>) -> Bool {
        guard values.count == flatSize else { return false }
        switch self {
        case .box(let low, let high):
            for i in 0..<values.count where !(values[i] >= low[i] && values[i] <= high[i]) {
                return false
            }
            return true
        case .discrete(let n):
            return Self.isDiscreteAction(values[0], count: n)
        }
    }

    /// Whether `value` is one of the integers 0 ..< n (false for NaN and fractions).
    @inline(__always)
    public static func isDiscreteAction(_ value: Double, count n: Int) -> Bool {
        value >= 0 && value < Double(n) && value == value.rounded(.towardZero)
    }

    /// The most actions a discrete space may have: a policy head has one output per action.
    public static let maximumDiscreteCount = 1 << 20
    /// The most numbers a box may have: observations and actions are vectors, not images.
    public static let maximumBoxSize = 1 << 16

    /// Problems that make the space unusable, or an empty list. `finiteRequired` is true for
    /// action boxes: a policy needs finite bounds to clip its actions to. Every command that
    /// loads an env applies this one rule (SpecReader), so `check` and `train` agree.
    public func problems(finiteRequired: Bool) -> [String] {
        switch self {
        case .discrete(let n):
            if n < 1 { return ["discrete n is \(n), must be at least 1"] }
            if n > Self.maximumDiscreteCount {
                return ["discrete n is \(n), more than the \(Self.maximumDiscreteCount) a policy head may have"]
            }
            return []
        case .box(let low, let high):
            var problems: [String] = []
            if low.isEmpty { problems.append("box has no dimensions") }
            if low.count > Self.maximumBoxSize {
                problems.append("box has \(low.count) dimensions, more than \(Self.maximumBoxSize)")
                return problems
            }
            if low.count != high.count {
                problems.append("low has \(low.count) entries but high has \(high.count)")
            }
            for i in 0..<min(low.count, high.count) {
                if low[i].isNaN || high[i].isNaN {
                    problems.append("bound \(i + 1) is NaN")
                } else if low[i] > high[i] {
                    problems.append("low[\(i + 1)] = \(low[i]) > high[\(i + 1)] = \(high[i])")
                } else if finiteRequired && !(low[i].isFinite && high[i].isFinite) {
                    problems.append("bound \(i + 1) is infinite; action bounds must be finite")
                }
            }
            return problems
        }
    }

    public var description: String {
        switch self {
        case .discrete(let n): return "Discrete(\(n))"
        case .box(let low, let high):
            func list(_ values: [Double]) -> String {
                "[" + values.map(Self.shortNumber).joined(separator: ", ") + "]"
            }
            return "Box(\(low.count), low: \(list(low)), high: \(list(high)))"
        }
    }

    static func shortNumber(_ value: Double) -> String {
        if value == .infinity { return "inf" }
        if value == -.infinity { return "-inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(format: "%.4g", value)
    }
}
