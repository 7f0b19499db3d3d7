/// What an env's `render(draw)` drew for one state: a list of 2-D shapes in world coordinates,
/// mapped to the picture by the viewport (y up, equal scale on both axes, centred).
public struct Frame: Equatable, Sendable {
    public var viewport: Viewport
    public var shapes: [Shape]

    public init(viewport: Viewport, shapes: [Shape]) {
        self.viewport = viewport
        self.shapes = shapes
    }

    /// At most this many shapes in one frame: a render that draws more is an error, not a
    /// recording of hundreds of megabytes.
    public static let maximumShapes = 5_000
    /// At most this many coordinates in all (a polygon's points count one each).
    public static let maximumCoordinates = 50_000
    /// Text longer than this is cut.
    public static let maximumTextLength = 200
}

public struct Viewport: Equatable, Sendable {
    public var xMin, xMax, yMin, yMax: Double
    public init(xMin: Double, xMax: Double, yMin: Double, yMax: Double) {
        self.xMin = xMin
        self.xMax = xMax
        self.yMin = yMin
        self.yMax = yMax
    }
    /// Used until a render calls `draw:viewport`.
    public static let unit = Viewport(xMin: -1, xMax: 1, yMin: -1, yMax: 1)
}

/// How a shape is painted. Colours are `#rrggbb`; `width` (stroke) and `size` (text) are in
/// pixels of a 600-pixel-wide picture, so lines keep their weight whatever the viewport.
public struct ShapeStyle: Hashable, Sendable {
    public var stroke: String?
    public var fill: String?
    public var width: Double
    public var size: Double
    /// Text alignment at its point: "start", "middle" or "end".
    public var anchor: String

    public init(stroke: String? = nil, fill: String? = nil, width: Double = 2, size: Double = 14, anchor: String = "start") {
        self.stroke = stroke
        self.fill = fill
        self.width = width
        self.size = size
        self.anchor = anchor
    }
}

public enum Shape: Equatable, Sendable {
    case line(x1: Double, y1: Double, x2: Double, y2: Double, ShapeStyle)
    case circle(x: Double, y: Double, radius: Double, ShapeStyle)
    /// `x, y` is the lower-left corner.
    case rect(x: Double, y: Double, width: Double, height: Double, ShapeStyle)
    /// Points as x1, y1, x2, y2, ...: a closed shape.
    case polygon([Double], ShapeStyle)
    /// Points as x1, y1, x2, y2, ...: an open path (a curve, a trace).
    case polyline([Double], ShapeStyle)
    case text(x: Double, y: Double, String, ShapeStyle)
}

/// What `render(draw, last)` is told besides the state: the step in the episode (0 after a
/// reset), and the action and reward of the step that led here (nil after a reset). A discrete
/// action is an integer; a box action a list.
public struct RenderContext: Sendable {
    public var t: Int
    public var action: [Double]?
    public var reward: Double?

    public init(t: Int, action: [Double]? = nil, reward: Double? = nil) {
        self.t = t
        self.action = action
        self.reward = reward
    }
}
