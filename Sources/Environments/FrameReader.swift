import CLua

/// Reads a frame out of the C canvas the `draw` methods filled (shim.h): the viewport and the
/// shapes, with colours as `#rrggbb` text (cached: an env uses few colours).
struct FrameReader {
    private var colourNames: [Int32: String] = [:]

    mutating func frame(_ canvas: UnsafeMutablePointer<gym_canvas>) -> Frame {
        let c = canvas.pointee
        var viewport = Viewport.unit
        if c.has_view != 0 {
            viewport = Viewport(xMin: c.view.0, xMax: c.view.1, yMin: c.view.2, yMax: c.view.3)
        }
        var shapes: [Shape] = []
        shapes.reserveCapacity(Int(c.shape_count))
        for i in 0..<Int(c.shape_count) {
            let s = c.shapes[i]
            let v = c.values + Int(s.first)
            var style = ShapeStyle(stroke: colour(s.stroke), fill: colour(s.fill), width: s.width, size: s.size)
            style.anchor = s.anchor == Int32(GYM_ANCHOR_MIDDLE) ? "middle" : s.anchor == Int32(GYM_ANCHOR_END) ? "end" : "start"
            switch Int(s.kind) {
            case Int(GYM_SHAPE_LINE): shapes.append(.line(x1: v[0], y1: v[1], x2: v[2], y2: v[3], style))
            case Int(GYM_SHAPE_CIRCLE): shapes.append(.circle(x: v[0], y: v[1], radius: v[2], style))
            case Int(GYM_SHAPE_RECT): shapes.append(.rect(x: v[0], y: v[1], width: v[2], height: v[3], style))
            case Int(GYM_SHAPE_POLYGON): shapes.append(.polygon(Array(UnsafeBufferPointer(start: v, count: Int(s.count))), style))
            case Int(GYM_SHAPE_POLYLINE): shapes.append(.polyline(Array(UnsafeBufferPointer(start: v, count: Int(s.count))), style))
            default:
                let bytes = UnsafeRawBufferPointer(start: c.text + Int(s.text_first), count: Int(s.text_length))
                shapes.append(.text(x: v[0], y: v[1], String(decoding: bytes, as: UTF8.self), style))
            }
        }
        return Frame(viewport: viewport, shapes: shapes)
    }

    private mutating func colour(_ value: Int32) -> String? {
        guard value >= 0 else { return nil }
        if let name = colourNames[value] { return name }
        let hex = String(value, radix: 16)
        let name = "#" + String(repeating: "0", count: 6 - hex.count) + hex
        colourNames[value] = name
        return name
    }
}
