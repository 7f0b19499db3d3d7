/// Text made safe for XML and HTML (element content and quoted attributes): the five markup
/// characters' entities, and control characters, which XML 1.0 does not allow, as spaces
/// (tab and newline are kept). The one escape of gym's SVG, HTML and report writers.
public enum Markup {
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for character in s {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default:
                if let ascii = character.asciiValue, ascii < 0x20, ascii != 0x09, ascii != 0x0A { out += " " } else { out.append(character) }
            }
        }
        return out
    }
}
