import LuaBridge

/// Reads the render prelude's canvas (`{view = {...}, shapes = {{"line", x1, ...}, ...}}`) into a
/// `Frame`. The prelude has already checked every value; this returns nil only if a script
/// replaced the canvas's fields behind its methods' backs.
enum FrameReader {
    static func frame(from canvas: LuaValue) -> Frame? {
        guard let shapes = canvas["shapes"]?.tableValue else { return nil }
        var viewport = Viewport.unit
        if let view = canvas["view"]?.tableValue {
            let v = view.sequence.compactMap(\.doubleValue)
            guard v.count == 4, v.allSatisfy(\.isFinite), v[1] > v[0], v[3] > v[2] else { return nil }
            viewport = Viewport(xMin: v[0], xMax: v[1], yMin: v[2], yMax: v[3])
        }
        guard shapes.sequence.count <= Frame.maximumShapes else { return nil }
        var out: [Shape] = []
        out.reserveCapacity(shapes.sequence.count)
        for entry in shapes.sequence {
            guard let shape = self.shape(entry) else { return nil }
            out.append(shape)
        }
        return Frame(viewport: viewport, shapes: out)
    }

    private static func shape(_ entry: LuaValue) -> Shape? {
        guard let items = entry.tableValue?.sequence, let kind = items.first?.stringValue,
              let style = items.last.flatMap(Self.style) else { return nil }
        let numbers = items.dropFirst().compactMap(\.doubleValue)
        guard numbers.allSatisfy(\.isFinite) else { return nil }
        switch (kind, numbers.count, items.count) {
        case ("line", 4, 6): return .line(x1: numbers[0], y1: numbers[1], x2: numbers[2], y2: numbers[3], style)
        case ("circle", 3, 5): return .circle(x: numbers[0], y: numbers[1], radius: numbers[2], style)
        case ("rect", 4, 6): return .rect(x: numbers[0], y: numbers[1], width: numbers[2], height: numbers[3], style)
        case ("text", 2, 5):
            guard let text = items[3].stringValue else { return nil }
            return .text(x: numbers[0], y: numbers[1], text, style)
        case ("polygon", 0, 3), ("polyline", 0, 3):
            guard let points = items[1].tableValue?.sequence.compactMap(\.doubleValue),
                  points.count >= 4, points.count % 2 == 0, points.allSatisfy(\.isFinite) else { return nil }
            return kind == "polygon" ? .polygon(points, style) : .polyline(points, style)
        default: return nil
        }
    }

    private static func style(_ value: LuaValue) -> ShapeStyle? {
        guard let table = value.tableValue else { return nil }
        var style = ShapeStyle()
        style.stroke = table.fields["stroke"]?.stringValue
        style.fill = table.fields["fill"]?.stringValue
        if let width = table.fields["width"]?.doubleValue { style.width = width }
        if let size = table.fields["size"]?.doubleValue { style.size = size }
        if let anchor = table.fields["anchor"]?.stringValue { style.anchor = anchor }
        // Nothing to paint with: a stroke in the default colour.
        if style.stroke == nil && style.fill == nil { style.stroke = "#222222" }
        return style
    }
}
