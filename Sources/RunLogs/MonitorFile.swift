import Foundation
import LuaBridge

/// `monitor.csv` in Stable-Baselines3's Monitor format: a `#{"t_start": ..., "env_id": ...}`
/// line, the header `r,l,t`, then one line per finished episode (return, length, seconds since
/// t_start), so SB3's `load_results` and the RL Zoo's plotting scripts read gym runs as they are.
public final class MonitorFile {
    public let path: String
    public let startTime: Double
    private let buffer: AppendBuffer

    /// A new file, or with `keepingEpisodes` the existing one continued: its first that many
    /// episodes are kept (later ones were written after the checkpoint a run resumes from),
    /// with its original start time.
    public init(path: String, envID: String, keepingEpisodes kept: Int? = nil, now: Double = Date().timeIntervalSince1970) throws {
        self.path = path
        var start = now
        var keptLines: [Substring] = []
        if let kept, let text = try? String(contentsOfFile: path, encoding: .utf8) {
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            if text.hasSuffix("\n") { lines.removeLast() } else if !lines.isEmpty { lines.removeLast() }  // a line cut by a kill
            if lines.count >= 2, lines[0].hasPrefix("#"), lines[1] == "r,l,t",
               let header = try? JSONSerialization.jsonObject(with: Data(lines[0].dropFirst().utf8)) as? [String: Any],
               let t = (header["t_start"] as? NSNumber)?.doubleValue {
                start = t
                keptLines = Array(lines[2...].prefix(kept))
            }
        }
        startTime = start
        buffer = try AppendBuffer(path: path, role: "episode monitor")
        let header = "#{\"t_start\": \(Self.number(start)), \"env_id\": \(JSONString.quoted(envID))}\nr,l,t\n"
        try buffer.append(header + keptLines.map { $0 + "\n" }.joined())
        try buffer.flush()
    }

    /// Adds a line per episode; they reach the file at the next `flush` (or within a second).
    public func append(_ episodes: [(reward: Double, length: Int)], now: Double = Date().timeIntervalSince1970) throws {
        guard !episodes.isEmpty else { return }
        let t = Self.number(max(0, now - startTime))
        try buffer.append(episodes.map { "\(Self.number($0.reward)),\($0.length),\(t)\n" }.joined())
    }

    public func flush() throws { try buffer.flush() }

    /// Six decimals, as SB3 rounds, without trailing zeros (Python prints `500.0`, `-171.25`).
    static func number(_ x: Double) -> String {
        // Whole numbers (CartPole's and Acrobot's returns: every episode's, in many runs) need
        // no formatter for their digits (about 1.5 us a number with one).
        if x == x.rounded(), abs(x) < 1e15 { return "\(Int64(x)).0" }
        return formattedByC(x)
    }

    /// `%.6f`, trailing zeros trimmed: C's formatting, not String(format:), which runs
    /// Foundation's format parser for each number.
    static func formattedByC(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        var text = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 400) { buffer in
            _ = withVaList([x]) { vsnprintf(buffer.baseAddress!, buffer.count, "%.6f", $0) }
            return String(cString: buffer.baseAddress!)
        }
        while text.hasSuffix("0") && !text.hasSuffix(".0") { text.removeLast() }
        return text == "-0.0" ? "0.0" : text
    }
}
