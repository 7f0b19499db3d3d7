import Environments
import Foundation

/// A recording as the compact JSON the HTML player reads: per episode the observations,
/// actions, rewards and frames, with styles listed once and shapes as short arrays
/// (`["l", x1, y1, x2, y2, style]`, `["c", x, y, r, style]`, `["r", x, y, w, h, style]`,
/// `["p", [points], style]` polygon, `["q", [points], style]` polyline, `["t", x, y, text, style]`).
/// Written byte by byte into one buffer: recordings hold hundreds of thousands of numbers, and
/// formatting through String was most of a report's time.
public enum RecordingJSON {
    public static func encode(_ recording: Recording) -> String {
        var out = JSONBytes()
        var styles: [ShapeStyle] = []
        var styleIndex: [ShapeStyle: Int] = [:]
        func index(_ style: ShapeStyle) -> Int {
            if let i = styleIndex[style] { return i }
            styles.append(style)
            styleIndex[style] = styles.count - 1
            return styles.count - 1
        }
        // Frames first (they fill the style list), into their own buffer.
        var episodes = JSONBytes()
        for (e, episode) in recording.episodes.enumerated() {
            if e > 0 { episodes.raw(",") }
            episodes.raw("{\"number\":"); episodes.int(episode.number)
            episodes.raw(",\"return\":"); episodes.value(episode.totalReward)
            episodes.raw(",\"ending\":"); episodes.string(episode.ending)
            episodes.raw(",\"label\":")
            if let label = episode.label { episodes.string(label) } else { episodes.raw("null") }
            episodes.raw(",\"obs\":[")
            for (i, step) in episode.steps.enumerated() {
                if i > 0 { episodes.raw(",") }
                episodes.values(step.observation)
            }
            episodes.raw("],\"act\":[")
            for (i, step) in episode.steps.enumerated() {
                if i > 0 { episodes.raw(",") }
                if let action = step.action { episodes.values(action) } else { episodes.raw("null") }
            }
            episodes.raw("],\"rew\":[")
            for (i, step) in episode.steps.enumerated() {
                if i > 0 { episodes.raw(",") }
                if let reward = step.reward { episodes.value(reward) } else { episodes.raw("null") }
            }
            episodes.raw("],\"frames\":[")
            for (i, step) in episode.steps.enumerated() {
                if i > 0 { episodes.raw(",") }
                guard let frame = step.frame else { episodes.raw("null"); continue }
                let v = frame.viewport
                episodes.raw("[")
                episodes.coordinate(v.xMin); episodes.raw(",")
                episodes.coordinate(v.xMax); episodes.raw(",")
                episodes.coordinate(v.yMin); episodes.raw(",")
                episodes.coordinate(v.yMax)
                episodes.raw(",[")
                for (k, shape) in frame.shapes.enumerated() {
                    if k > 0 { episodes.raw(",") }
                    switch shape {
                    case .line(let x1, let y1, let x2, let y2, let s): episodes.shape("l", x1, y1, x2, y2, index(s))
                    case .circle(let x, let y, let r, let s): episodes.shape("c", x, y, r, nil, index(s))
                    case .rect(let x, let y, let w, let h, let s): episodes.shape("r", x, y, w, h, index(s))
                    case .polygon(let p, let s): episodes.path("p", p, index(s))
                    case .polyline(let p, let s): episodes.path("q", p, index(s))
                    case .text(let x, let y, let text, let s):
                        episodes.raw("[\"t\","); episodes.coordinate(x); episodes.raw(","); episodes.coordinate(y)
                        episodes.raw(","); episodes.string(text); episodes.raw(","); episodes.int(index(s)); episodes.raw("]")
                    }
                }
                episodes.raw("]]")
            }
            episodes.raw("]}")
        }
        out.raw("{\"env\":"); out.string(recording.envName)
        out.raw(",\"script\":"); out.string(recording.envScript)
        out.raw(",\"actor\":"); out.string(recording.actor)
        switch recording.actionSpace {
        case .discrete(let n): out.raw(",\"action_kind\":\"discrete\",\"actions\":"); out.int(n)
        case .box: out.raw(",\"action_kind\":\"box\",\"actions\":"); out.int(recording.actionSpace.flatSize)
        }
        out.raw(",\"pictures\":"); out.raw(recording.hasPictures ? "true" : "false")
        out.raw(",\"styles\":[")
        for (i, s) in styles.enumerated() {
            if i > 0 { out.raw(",") }
            out.raw("{\"s\":"); if let stroke = s.stroke { out.string(stroke) } else { out.raw("null") }
            out.raw(",\"f\":"); if let fill = s.fill { out.string(fill) } else { out.raw("null") }
            out.raw(",\"w\":"); out.coordinate(s.width)
            out.raw(",\"z\":"); out.coordinate(s.size)
            out.raw(",\"a\":"); out.string(s.anchor)
            out.raw("}")
        }
        out.raw("],\"episodes\":[")
        out.bytes += episodes.bytes
        out.raw("]}")
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// A value shown to people: 6 significant digits.
    static func value(_ x: Double) -> String {
        var out = JSONBytes()
        out.value(x)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// A coordinate: 4 decimals are far below a pixel.
    static func c(_ x: Double) -> String {
        var out = JSONBytes()
        out.coordinate(x)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// A JSON string that is also safe inside an HTML `<script>` element.
    static func string(_ s: String) -> String {
        var out = JSONBytes()
        out.string(s)
        return String(decoding: out.bytes, as: UTF8.self)
    }
}


/// JSON text as bytes, with the few writers recordings need.
struct JSONBytes {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1 << 16) }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func int(_ n: Int) {
        if n < 0 { bytes.append(UInt8(ascii: "-")) }
        var m = n.magnitude
        if m < 10 { bytes.append(UInt8(ascii: "0") + UInt8(m)); return }
        var count = 1, bound: UInt = 10
        while count < 19 && m >= bound { count += 1; bound = bound &* 10 }
        if m >= bound { count += 1 }
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: count))
        var i = start + count - 1
        while m > 0 {
            bytes[i] = UInt8(ascii: "0") + UInt8(m % 10)
            m /= 10
            i -= 1
        }
    }

    private static let powersOfTen = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000]

    /// Fixed point with up to `decimals` digits, trailing zeros dropped ("-0" is "0").
    mutating func fixed(_ x: Double, decimals: Int) {
        let scale = Self.powersOfTen[decimals]
        let scaled = Int((x * Double(scale)).rounded())
        guard scaled != 0 else { bytes.append(UInt8(ascii: "0")); return }
        if scaled < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = scaled.magnitude
        int(Int(magnitude / UInt(scale)))
        var fraction = Int(magnitude % UInt(scale))
        guard fraction != 0 else { return }
        var digits = decimals
        while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
        bytes.append(UInt8(ascii: "."))
        var width = 1
        while width < Self.powersOfTen.count && fraction >= Self.powersOfTen[width] { width += 1 }
        for _ in 0..<(digits - width) { bytes.append(UInt8(ascii: "0")) }
        int(fraction)
    }

    mutating func coordinate(_ x: Double) {
        guard x.isFinite, abs(x) < 1e12 else { bytes.append(UInt8(ascii: "0")); return }
        fixed(x, decimals: 4)
    }

    /// 6 significant digits.
    mutating func value(_ x: Double) {
        guard x.isFinite else { raw("null"); return }
        let magnitude = abs(x)
        guard magnitude >= 1e-4, magnitude < 1e12 else {
            if x == 0 { bytes.append(UInt8(ascii: "0")) } else { bytes.append(contentsOf: Array("\(x)".utf8)) }
            return
        }
        let exponent = Int(floor(log10(magnitude)))
        let decimals = max(0, 5 - exponent)
        if decimals > 9 {
            bytes.append(contentsOf: Array("\(x)".utf8))
        } else if decimals == 0 {
            let scale = pow(10, Double(exponent - 5))
            int(Int((x / scale).rounded()) * Int(scale.rounded()))
        } else {
            fixed(x, decimals: decimals)
        }
    }

    mutating func values(_ xs: [Double]) {
        bytes.append(UInt8(ascii: "["))
        for (i, x) in xs.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            value(x)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A shape of three or four numbers (no array to allocate per shape).
    mutating func shape(_ kind: StaticString, _ a: Double, _ b: Double, _ c: Double, _ d: Double?, _ style: Int) {
        raw("[\""); raw(kind); raw("\",")
        coordinate(a); bytes.append(UInt8(ascii: ","))
        coordinate(b); bytes.append(UInt8(ascii: ","))
        coordinate(c)
        if let d { bytes.append(UInt8(ascii: ",")); coordinate(d) }
        bytes.append(UInt8(ascii: ",")); int(style); bytes.append(UInt8(ascii: "]"))
    }

    mutating func path(_ kind: StaticString, _ points: [Double], _ style: Int) {
        raw("[\""); raw(kind); raw("\",[")
        for (i, x) in points.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            coordinate(x)
        }
        raw("],"); int(style); bytes.append(UInt8(ascii: "]"))
    }

    /// A JSON string that is also safe inside an HTML `<script>` element.
    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": raw("\\\"")
            case "\\": raw("\\\\")
            case "\n": raw("\\n")
            case "<": raw("\\u003c")
            case ">": raw("\\u003e")
            case "&": raw("\\u0026")
            case "\u{2028}": raw("\\u2028")
            case "\u{2029}": raw("\\u2029")
            default:
                if scalar.value < 0x20 {
                    raw("\\u00")
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    bytes.append(hex[Int(scalar.value >> 4)])
                    bytes.append(hex[Int(scalar.value & 15)])
                } else {
                    bytes.append(contentsOf: Array(String(scalar).utf8))
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
