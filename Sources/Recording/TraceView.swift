import Environments

/// The picture of an env that has no `render`: its observation, action and reward traced over
/// the episode up to the current step, with a cursor there. Every env can be watched, even one
/// nobody drew a picture for. (The HTML player draws the same view in the browser.)
public enum TraceView {
    static let colours = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    public static func frame(_ episode: RecordedEpisode, upTo index: Int) -> Frame {
        let steps = Array(episode.steps.prefix(index + 1))
        let length = Double(max(episode.steps.count - 1, 1))
        var shapes: [Shape] = []
        let label = ShapeStyle(fill: "#333333", size: 12)
        // Panels from the top: observation, action, reward (world = pixels, y up).
        let panels: [(title: String, top: Double, height: Double, series: [[Double?]])] = [
            ("observation", 390, 190, transpose(steps.map { $0.observation })),
            ("action", 185, 80, transpose(steps.map { $0.action })),
            ("reward", 90, 80, [steps.map(\.reward)]),
        ]
        let all = episode.steps
        let ranges: [[Double]] = [
            all.flatMap(\.observation), all.compactMap(\.action).flatMap { $0 }, all.compactMap(\.reward),
        ]
        for (panel, values) in zip(panels, ranges) {
            let bottom = panel.top - panel.height
            var low = values.min() ?? 0, high = values.max() ?? 1
            if !(high > low) { low -= 1; high += 1 }
            shapes.append(.rect(x: 50, y: bottom, width: 540, height: panel.height, ShapeStyle(stroke: "#dddddd", fill: "#fafafa", width: 1)))
            shapes.append(.text(x: 56, y: panel.top - 14, panel.title, label))
            shapes.append(.text(x: 46, y: panel.top - 10, short(high), ShapeStyle(fill: "#777777", size: 10, anchor: "end")))
            shapes.append(.text(x: 46, y: bottom + 2, short(low), ShapeStyle(fill: "#777777", size: 10, anchor: "end")))
            for (k, series) in panel.series.enumerated() {
                var points: [Double] = []
                for (i, value) in series.enumerated() {
                    guard let value else { continue }
                    points += [50 + 540 * Double(steps[i].t) / length, bottom + (value - low) / (high - low) * panel.height]
                }
                if points.count >= 4 {
                    shapes.append(.polyline(points, ShapeStyle(stroke: colours[k % colours.count], width: 1.5)))
                } else if points.count == 2 {
                    shapes.append(.circle(x: points[0], y: points[1], radius: 2, ShapeStyle(fill: colours[k % colours.count])))
                }
            }
        }
        let t = Double(steps.last?.t ?? 0)
        shapes.append(.line(x1: 50 + 540 * t / length, y1: 10, x2: 50 + 540 * t / length, y2: 390, ShapeStyle(stroke: "#999999", width: 1)))
        shapes.append(.text(x: 590, y: 2, "t = \(Int(t))", ShapeStyle(fill: "#555555", size: 12, anchor: "end")))
        return Frame(viewport: Viewport(xMin: 0, xMax: 600, yMin: 0, yMax: 400), shapes: shapes)
    }

    /// Rows of vectors (nil where absent) to one series per component.
    private static func transpose(_ rows: [[Double]?]) -> [[Double?]] {
        let width = rows.compactMap { $0?.count }.max() ?? 0
        return (0..<width).map { k in rows.map { row in row.flatMap { k < $0.count ? $0[k] : nil } } }
    }

    private static func short(_ x: Double) -> String {
        let text = String(format: "%.3g", x)
        return text == "-0" ? "0" : text
    }
}
