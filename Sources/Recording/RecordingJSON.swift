import Foundation
import Environments

/// A recording as the compact JSON the HTML player reads: per episode the observations,
/// actions, rewards and frames, with styles listed once and shapes as short arrays
/// (`["l", x1, y1, x2, y2, style]`, `["c", x, y, r, style]`, `["r", x, y, w, h, style]`,
/// `["p", [points], style]` polygon, `["q", [points], style]` polyline, `["t", x, y, text, style]`).
public enum RecordingJSON {
    public static func encode(_ recording: Recording) -> String {
        var styles: [ShapeStyle] = []
        var styleIndex: [String: Int] = [:]
        func index(_ style: ShapeStyle) -> Int {
            let key = "\(style.stroke ?? "")|\(style.fill ?? "")|\(style.width)|\(style.size)|\(style.anchor)"
            if let i = styleIndex[key] { return i }
            styles.append(style)
            styleIndex[key] = styles.count - 1
            return styles.count - 1
        }
        var episodes: [String] = []
        for episode in recording.episodes {
            let observations = episode.steps.map { "[" + $0.observation.map(value).joined(separator: ",") + "]" }
            let actions = episode.steps.map { step in step.action.map { "[" + $0.map(value).joined(separator: ",") + "]" } ?? "null" }
            let rewards = episode.steps.map { $0.reward.map(value) ?? "null" }
            let frames = episode.steps.map { step -> String in
                guard let frame = step.frame else { return "null" }
                let v = frame.viewport
                let shapes = frame.shapes.map { shape -> String in
                    switch shape {
                    case .line(let x1, let y1, let x2, let y2, let s): "[\"l\",\(c(x1)),\(c(y1)),\(c(x2)),\(c(y2)),\(index(s))]"
                    case .circle(let x, let y, let r, let s): "[\"c\",\(c(x)),\(c(y)),\(c(r)),\(index(s))]"
                    case .rect(let x, let y, let w, let h, let s): "[\"r\",\(c(x)),\(c(y)),\(c(w)),\(c(h)),\(index(s))]"
                    case .polygon(let p, let s): "[\"p\",[\(p.map(c).joined(separator: ","))],\(index(s))]"
                    case .polyline(let p, let s): "[\"q\",[\(p.map(c).joined(separator: ","))],\(index(s))]"
                    case .text(let x, let y, let text, let s): "[\"t\",\(c(x)),\(c(y)),\(string(text)),\(index(s))]"
                    }
                }
                return "[\(c(v.xMin)),\(c(v.xMax)),\(c(v.yMin)),\(c(v.yMax)),[\(shapes.joined(separator: ","))]]"
            }
            episodes.append("""
                {"number":\(episode.number),"return":\(value(episode.totalReward)),"ending":\(string(episode.ending)),\
                "label":\(episode.label.map(string) ?? "null"),"obs":[\(observations.joined(separator: ","))],\
                "act":[\(actions.joined(separator: ","))],"rew":[\(rewards.joined(separator: ","))],\
                "frames":[\(frames.joined(separator: ","))]}
                """)
        }
        let styleList = styles.map { s in
            "{\"s\":\(s.stroke.map(string) ?? "null"),\"f\":\(s.fill.map(string) ?? "null"),\"w\":\(c(s.width)),\"z\":\(c(s.size)),\"a\":\(string(s.anchor))}"
        }
        let kind: String
        switch recording.actionSpace {
        case .discrete(let n): kind = "\"discrete\",\"actions\":\(n)"
        case .box: kind = "\"box\",\"actions\":\(recording.actionSpace.flatSize)"
        }
        return """
            {"env":\(string(recording.envName)),"script":\(string(recording.envScript)),"actor":\(string(recording.actor)),\
            "action_kind":\(kind),"pictures":\(recording.hasPictures),"styles":[\(styleList.joined(separator: ","))],\
            "episodes":[\(episodes.joined(separator: ","))]}
            """
    }

    /// A value shown to people: 6 significant digits. (String(format:) would be simpler and
    /// was two thirds of a recording's time.)
    static func value(_ x: Double) -> String {
        guard x.isFinite else { return "null" }
        guard x != 0 else { return "0" }
        let magnitude = abs(x)
        guard magnitude >= 1e-9, magnitude < 1e15 else { return "\(x)" }
        let scale = pow(10, 5 - floor(log10(magnitude)))
        return "\((x * scale).rounded() / scale)".replacingOccurrences(of: ".0", with: "", options: .anchored.union(.backwards))
    }

    /// A coordinate: 4 decimals are far below a pixel.
    static func c(_ x: Double) -> String {
        guard x.isFinite, abs(x) < 1e12 else { return "0" }
        let scaled = Int((x * 10_000).rounded())
        guard scaled != 0 else { return "0" }
        let magnitude = abs(scaled)
        var text = (scaled < 0 ? "-" : "") + String(magnitude / 10_000)
        var fraction = magnitude % 10_000
        if fraction != 0 {
            var digits = 4
            while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
            let part = String(fraction)
            text += "." + String(repeating: "0", count: digits - part.count) + part
        }
        return text
    }

    /// A JSON string that is also safe inside an HTML `<script>` element.
    static func string(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
