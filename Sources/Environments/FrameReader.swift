import CLua
import LuaBridge

/// Reads the render prelude's canvas (`{view = {...}, shapes = {{"line", x1, ...}, ...}}`) from
/// the Lua stack into a `Frame`, with raw access only (no script code runs, nothing is copied
/// twice). The prelude has already checked every value; this returns nil only if a script
/// replaced the canvas's fields behind its methods' backs.
enum FrameReader {
    static func frame(state: LuaState, at index: Int32) -> Frame? {
        let L = state.L
        guard lua_type(L, index) == LUA_TTABLE, lua_checkstack(L, 8) != 0 else { return nil }
        var viewport = Viewport.unit
        if rawField(L, index, "view") == LUA_TTABLE {
            let v = (1...4).compactMap { number(L, -1, $0) }
            gym_pop(L, 1)
            guard v.count == 4, v[1] > v[0], v[3] > v[2] else { return nil }
            viewport = Viewport(xMin: v[0], xMax: v[1], yMin: v[2], yMax: v[3])
        } else {
            gym_pop(L, 1)
        }
        guard rawField(L, index, "shapes") == LUA_TTABLE else { gym_pop(L, 1); return nil }
        defer { gym_pop(L, 1) }
        let shapesIndex = lua_absindex(L, -1)
        let count = Int(lua_rawlen(L, shapesIndex))
        guard count <= Frame.maximumShapes else { return nil }
        var shapes: [Shape] = []
        shapes.reserveCapacity(count)
        for i in 1...max(count, 1) where count > 0 {
            guard lua_rawgeti(L, shapesIndex, lua_Integer(i)) == LUA_TTABLE else { gym_pop(L, 1); return nil }
            let shape = self.shape(state, lua_absindex(L, -1))
            gym_pop(L, 1)
            guard let shape else { return nil }
            shapes.append(shape)
        }
        return Frame(viewport: viewport, shapes: shapes)
    }

    private static func shape(_ state: LuaState, _ index: Int32) -> Shape? {
        let L = state.L
        let length = Int32(lua_rawlen(L, index))
        guard length >= 3, lua_rawgeti(L, index, 1) == LUA_TSTRING, let kind = state.string(at: -1) else { gym_pop(L, 1); return nil }
        gym_pop(L, 1)
        guard lua_rawgeti(L, index, lua_Integer(length)) == LUA_TTABLE, let style = style(state, lua_absindex(L, -1)) else {
            gym_pop(L, 1); return nil
        }
        gym_pop(L, 1)
        func n(_ k: Int32) -> Double? { number(L, index, k) }
        switch (kind, length) {
        case ("line", 6):
            guard let a = n(2), let b = n(3), let c = n(4), let d = n(5) else { return nil }
            return .line(x1: a, y1: b, x2: c, y2: d, style)
        case ("circle", 5):
            guard let a = n(2), let b = n(3), let r = n(4) else { return nil }
            return .circle(x: a, y: b, radius: r, style)
        case ("rect", 6):
            guard let a = n(2), let b = n(3), let c = n(4), let d = n(5) else { return nil }
            return .rect(x: a, y: b, width: c, height: d, style)
        case ("text", 5):
            guard let a = n(2), let b = n(3), lua_rawgeti(L, index, 4) == LUA_TSTRING, let text = state.string(at: -1) else {
                gym_pop(L, 1); return nil
            }
            gym_pop(L, 1)
            return .text(x: a, y: b, String(text.prefix(Frame.maximumTextLength)), style)
        case ("polygon", 3), ("polyline", 3):
            guard lua_rawgeti(L, index, 2) == LUA_TTABLE else { gym_pop(L, 1); return nil }
            defer { gym_pop(L, 1) }
            let points = lua_absindex(L, -1)
            let count = Int32(lua_rawlen(L, points))
            guard count >= 4, count % 2 == 0, count <= Int32(Frame.maximumCoordinates) else { return nil }
            var values: [Double] = []
            values.reserveCapacity(Int(count))
            for k in 1...count {
                guard let value = number(L, points, k) else { return nil }
                values.append(value)
            }
            return kind == "polygon" ? .polygon(values, style) : .polyline(values, style)
        default:
            return nil
        }
    }

    private static func style(_ state: LuaState, _ index: Int32) -> ShapeStyle? {
        let L = state.L
        var style = ShapeStyle()
        func text(_ key: String) -> String? {
            defer { gym_pop(L, 1) }
            return rawField(L, index, key) == LUA_TSTRING ? state.string(at: -1) : nil
        }
        func value(_ key: String) -> Double? {
            defer { gym_pop(L, 1) }
            guard rawField(L, index, key) == LUA_TNUMBER else { return nil }
            let x = gym_tonumber(L, -1, nil)
            return x.isFinite ? x : nil
        }
        style.stroke = text("stroke")
        style.fill = text("fill")
        if let width = value("width") { style.width = width }
        if let size = value("size") { style.size = size }
        if let anchor = text("anchor") { style.anchor = anchor }
        // Nothing to paint with: a stroke in the default colour.
        if style.stroke == nil && style.fill == nil { style.stroke = "#222222" }
        return style
    }

    /// Pushes `table[key]` without metamethods and returns its type.
    private static func rawField(_ L: OpaquePointer?, _ table: Int32, _ key: String) -> Int32 {
        let absolute = lua_absindex(L, table)
        lua_pushstring(L, key)
        return lua_rawget(L, absolute)
    }

    /// `table[k]` if it is a finite number.
    private static func number(_ L: OpaquePointer?, _ table: Int32, _ k: Int32) -> Double? {
        let absolute = lua_absindex(L, table)
        defer { gym_pop(L, 1) }
        guard lua_rawgeti(L, absolute, lua_Integer(k)) == LUA_TNUMBER else { return nil }
        let x = gym_tonumber(L, -1, nil)
        return x.isFinite ? x : nil
    }
}
