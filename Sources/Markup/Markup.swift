/// Text made safe for XML and HTML (element content and double-quoted attributes): entities
/// for &, <, > and the double quote, and control characters, which XML 1.0 does not allow, as
/// spaces (tab and newline are kept; a carriage return becomes a space). The one escape of
/// gym's SVG, HTML and report writers.
public enum Markup {
    public static func escape(_ s: String) -> String {
        // Most text (a plot's coordinates, numbers, names) has nothing to escape: a scan of its
        // bytes is all it costs (walking it as Characters cost about 1 ms of a 46 KB plot).
        guard s.utf8.contains(where: needsEscape) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        // Scalars, not Characters: a quote followed by a combining mark is one Character, and
        // matching Characters let it through unescaped, out of its attribute.
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default:
                if scalar.value < 0x20, scalar != "\t", scalar != "\n" { out += " " } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""): true
        case 0x09, 0x0A: false
        default: byte < 0x20
        }
    }
}
