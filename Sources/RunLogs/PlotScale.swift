import Foundation

/// A linear axis: a data range, "nice" tick values on it (1, 2 or 5 times a power of ten), and
/// compact tick labels (`25k`, `1.5M`, `0.002`).
struct PlotScale {
    var low: Double
    var high: Double
    var ticks: [Double]

    /// `tight`: the axis ends at the data (steps: no empty quarter after the last update);
    /// otherwise it extends to the ticks around the data.
    init(covering values: [Double], includeZero: Bool = false, targetTicks: Int = 5, tight: Bool = false) {
        var low = values.min() ?? 0, high = values.max() ?? 1
        if includeZero { low = min(low, 0); high = max(high, 0) }
        if !(high > low) {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            low -= pad; high += pad
        }
        let raw = (high - low) / Double(targetTicks)
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let first = tight ? ceil(low / step - 1e-9) * step : floor(low / step) * step
        let last = tight ? floor(high / step + 1e-9) * step : ceil(high / step) * step
        self.low = tight ? low : first
        self.high = tight ? high : last
        ticks = stride(from: first, through: last + step / 2, by: step).map { abs($0) < step * 1e-9 ? 0 : $0 }
    }

    func position(_ value: Double, from start: Double, to end: Double) -> Double {
        start + (value - low) / (high - low) * (end - start)
    }

    static func label(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1e6 { return trimmed(value / 1e6) + "M" }
        if magnitude >= 1e3 { return trimmed(value / 1e3) + "k" }
        if magnitude == 0 { return "0" }
        if magnitude < 1e-3 { return String(format: "%.0e", value) }
        return trimmed(value)
    }

    private static func trimmed(_ value: Double) -> String {
        var text = String(format: "%.4g", value)
        if text.contains("."), !text.contains("e") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
}
