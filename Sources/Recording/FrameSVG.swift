import Environments
import Markup

/// A frame as SVG: world coordinates mapped into a `width` x `height` picture, y up, equal scale
/// on both axes, the viewport centred. Stroke widths and text sizes are pixels of a 600-wide
/// picture, scaled with it.
public enum FrameSVG {
    public static let width = 600.0
    public static let height = 400.0

    /// A standalone SVG document of one frame.
    public static func document(_ frame: Frame, title: String? = nil) -> String {
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\""
            + " font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
        if let title { out += "<title>\(Markup.escape(title))</title>\n" }
        out += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
        out += elements(frame)
        return out + "</svg>\n"
    }

    /// The frame's shapes as SVG elements.
    public static func elements(_ frame: Frame, width: Double = width, height: Double = height) -> String {
        let map = Mapping(frame.viewport, width: width, height: height)
        var out = ""
        out.reserveCapacity(frame.shapes.count * 80)
        for shape in frame.shapes {
            switch shape {
            case .line(let x1, let y1, let x2, let y2, let style):
                out += "<line x1=\"\(n(map.x(x1)))\" y1=\"\(n(map.y(y1)))\" x2=\"\(n(map.x(x2)))\" y2=\"\(n(map.y(y2)))\"\(paint(style, map, open: true))/>\n"
            case .circle(let x, let y, let r, let style):
                out += "<circle cx=\"\(n(map.x(x)))\" cy=\"\(n(map.y(y)))\" r=\"\(n(r * map.scale))\"\(paint(style, map))/>\n"
            case .rect(let x, let y, let w, let h, let style):
                let left = min(map.x(x), map.x(x + w)), top = min(map.y(y), map.y(y + h))
                out += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(abs(w) * map.scale))\" height=\"\(n(abs(h) * map.scale))\"\(paint(style, map))/>\n"
            case .polygon(let points, let style):
                out += "<polygon points=\"\(pointList(points, map))\"\(paint(style, map))/>\n"
            case .polyline(let points, let style):
                out += "<polyline points=\"\(pointList(points, map))\"\(paint(style, map, open: true))/>\n"
            case .text(let x, let y, let text, let style):
                let colour = style.fill ?? style.stroke ?? "#222222"
                out += "<text x=\"\(n(map.x(x)))\" y=\"\(n(map.y(y)))\" fill=\"\(colour)\" font-size=\"\(n(style.size * map.pixel))\""
                    + (style.anchor == "start" ? "" : " text-anchor=\"\(style.anchor)\"") + ">\(Markup.escape(text))</text>\n"
            }
        }
        return out
    }

    /// World to picture coordinates.
    struct Mapping {
        let scale: Double, left: Double, bottom: Double, xMin: Double, yMin: Double, height: Double
        /// One pixel of a 600-wide picture.
        let pixel: Double

        init(_ v: Viewport, width: Double, height: Double) {
            scale = min(width / (v.xMax - v.xMin), height / (v.yMax - v.yMin))
            left = (width - scale * (v.xMax - v.xMin)) / 2
            bottom = (height - scale * (v.yMax - v.yMin)) / 2
            xMin = v.xMin
            yMin = v.yMin
            self.height = height
            pixel = width / FrameSVG.width
        }

        func x(_ value: Double) -> Double { left + (value - xMin) * scale }
        func y(_ value: Double) -> Double { height - (bottom + (value - yMin) * scale) }
    }

    private static func pointList(_ points: [Double], _ map: Mapping) -> String {
        stride(from: 0, to: points.count - 1, by: 2).map { "\(n(map.x(points[$0]))),\(n(map.y(points[$0 + 1])))" }.joined(separator: " ")
    }

    private static func paint(_ style: ShapeStyle, _ map: Mapping, open: Bool = false) -> String {
        var out = " fill=\"\(open ? "none" : style.fill ?? "none")\""
        if let stroke = style.stroke ?? (open ? style.fill : nil) {
            out += " stroke=\"\(stroke)\" stroke-width=\"\(n(style.width * map.pixel))\" stroke-linejoin=\"round\" stroke-linecap=\"round\""
        }
        return out
    }

    /// Two decimals, no trailing zeros: pictures need no more.
    static func n(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int(rounded)) }
        return String(rounded)
    }
}
