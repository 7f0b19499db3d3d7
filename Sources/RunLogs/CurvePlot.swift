import Foundation
import Markup

/// Learning curves as one self-contained SVG: the return (training and deterministic
/// evaluation) across the top, the update's diagnostics in a grid below, one colour per group
/// of runs with a legend. Needs nothing to view but a browser.
public enum CurvePlot {
    struct Panel {
        var title: String
        var columns: [(column: String, evaluation: Bool)]
    }

    static let returnPanel = Panel(title: "Episode return", columns: [("episode_return_mean", false), ("eval_return_mean", true)])
    static let diagnostics = [
        Panel(title: "Policy loss", columns: [("policy_loss", false)]),
        Panel(title: "Value loss", columns: [("value_loss", false)]),
        Panel(title: "Entropy", columns: [("entropy", false)]),
        Panel(title: "Approx KL", columns: [("approx_kl", false)]),
        Panel(title: "Clip fraction", columns: [("clip_fraction", false)]),
        Panel(title: "Explained variance", columns: [("explained_variance", false)]),
    ]

    /// Tableau 10: distinct for the usual forms of colour blindness, and printable.
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    static let width = 1000.0
    static let legendColumns = 2

    public static func svg(groups: [CurveGroup], title: String = "Training curves") -> String {
        let maxStep = groups.flatMap { $0.runs.flatMap { $0.log.records.compactMap { $0["timesteps"] } } }.max() ?? 1
        let xScale = PlotScale(covering: [0, maxStep], tight: true)
        let legendRows = (groups.count + legendColumns - 1) / legendColumns
        let legendTop = 48.0
        let returnTop = legendTop + Double(legendRows) * 20 + 12
        let returnHeight = 300.0
        let gridTop = returnTop + returnHeight + 16
        let cellWidth = (width - 40 - 2 * 16) / 3, cellHeight = 210.0
        let height = gridTop + 2 * (cellHeight + 16) + 8

        var svg = SVGText()
        svg.open("svg", ["xmlns": "http://www.w3.org/2000/svg", "width": fmt(width), "height": fmt(height),
                         "viewBox": "0 0 \(fmt(width)) \(fmt(height))",
                         "font-family": "DejaVu Sans, Helvetica, Arial, sans-serif", "font-size": "12"])
        svg.element("rect", ["width": "100%", "height": "100%", "fill": "#ffffff"])
        svg.text(title, x: 20, y: 30, ["font-size": "18", "font-weight": "bold", "fill": "#222222"])
        for (index, group) in groups.enumerated() {
            let x = 20 + Double(index % legendColumns) * (width - 40) / Double(legendColumns)
            let y = legendTop + Double(index / legendColumns) * 20
            svg.element("line", ["x1": fmt(x), "y1": fmt(y + 6), "x2": fmt(x + 22), "y2": fmt(y + 6),
                                 "stroke": color(index), "stroke-width": "3"])
            svg.text(group.label, x: x + 30, y: y + 10, ["fill": "#222222"])
        }
        drawPanel(&svg, returnPanel, groups: groups, xScale: xScale, x: 20, y: returnTop, width: width - 40, height: returnHeight,
                  styleKey: true)
        for (index, panel) in diagnostics.enumerated() {
            drawPanel(&svg, panel, groups: groups, xScale: xScale,
                      x: 20 + Double(index % 3) * (cellWidth + 16), y: gridTop + Double(index / 3) * (cellHeight + 16),
                      width: cellWidth, height: cellHeight, styleKey: false)
        }
        svg.close("svg")
        return svg.output
    }

    static func color(_ index: Int) -> String { palette[index % palette.count] }

    private static func drawPanel(_ svg: inout SVGText, _ panel: Panel, groups: [CurveGroup], xScale: PlotScale,
                                  x: Double, y: Double, width: Double, height: Double, styleKey: Bool) {
        let curves: [(group: Int, evaluation: Bool, points: [CurveGroup.Point])] = groups.indices.flatMap { g in
            panel.columns.map { (g, $0.evaluation, groups[g].curve($0.column)) }
        }.filter { !$0.points.isEmpty }
        let left = x + 58, right = x + width - 12, top = y + 28, bottom = y + height - 34
        svg.element("rect", ["x": fmt(x), "y": fmt(y), "width": fmt(width), "height": fmt(height),
                             "fill": "#fafafa", "stroke": "#dddddd"])
        svg.text(panel.title, x: x + 10, y: y + 18, ["font-weight": "bold", "fill": "#222222"])
        if styleKey {
            let keyX = right - 250
            svg.element("line", ["x1": fmt(keyX), "y1": fmt(y + 14), "x2": fmt(keyX + 24), "y2": fmt(y + 14), "stroke": "#555555", "stroke-width": "2"])
            svg.text("training (last 100 episodes)", x: keyX + 30, y: y + 18, ["fill": "#555555"])
            svg.element("line", ["x1": fmt(keyX - 110), "y1": fmt(y + 14), "x2": fmt(keyX - 86), "y2": fmt(y + 14), "stroke": "#555555",
                                 "stroke-width": "2", "stroke-dasharray": "6 4"])
            svg.text("evaluation", x: keyX - 80, y: y + 18, ["fill": "#555555"])
        }
        guard !curves.isEmpty else {
            svg.text("no data", x: (left + right) / 2, y: (top + bottom) / 2, ["fill": "#999999", "text-anchor": "middle"])
            return
        }
        let yScale = PlotScale(covering: curves.flatMap { $0.points.flatMap { [$0.low, $0.high] } }, targetTicks: height > 250 ? 6 : 4)
        func px(_ step: Double) -> Double { xScale.position(step, from: left, to: right) }
        func py(_ value: Double) -> Double { yScale.position(value, from: bottom, to: top) }
        for tick in yScale.ticks {
            svg.element("line", ["x1": fmt(left), "y1": fmt(py(tick)), "x2": fmt(right), "y2": fmt(py(tick)), "stroke": "#e6e6e6"])
            svg.text(PlotScale.label(tick), x: left - 6, y: py(tick) + 4, ["text-anchor": "end", "fill": "#555555", "font-size": "11"])
        }
        for tick in xScale.ticks {
            svg.element("line", ["x1": fmt(px(tick)), "y1": fmt(bottom), "x2": fmt(px(tick)), "y2": fmt(bottom + 4), "stroke": "#888888"])
            svg.text(PlotScale.label(tick), x: px(tick), y: bottom + 16, ["text-anchor": "middle", "fill": "#555555", "font-size": "11"])
        }
        svg.element("line", ["x1": fmt(left), "y1": fmt(bottom), "x2": fmt(right), "y2": fmt(bottom), "stroke": "#888888"])
        svg.text("steps", x: right, y: bottom + 30, ["text-anchor": "end", "fill": "#777777", "font-size": "11"])
        for curve in curves {
            let stroke = color(curve.group)
            if curve.points.contains(where: { $0.high > $0.low }) {
                let outline = curve.points.map { "\(fmt(px($0.step))),\(fmt(py($0.high)))" }
                    + curve.points.reversed().map { "\(fmt(px($0.step))),\(fmt(py($0.low)))" }
                svg.element("polygon", ["points": outline.joined(separator: " "), "fill": stroke, "fill-opacity": "0.2", "stroke": "none"])
            }
            let line = curve.points.map { "\(fmt(px($0.step))),\(fmt(py($0.mean)))" }.joined(separator: " ")
            var attributes = ["points": line, "fill": "none", "stroke": stroke, "stroke-width": "2", "stroke-linejoin": "round"]
            if curve.evaluation { attributes["stroke-dasharray"] = "6 4" }
            svg.element("polyline", attributes)
            if curve.evaluation && curve.points.count <= 80 {
                for point in curve.points {
                    svg.element("circle", ["cx": fmt(px(point.step)), "cy": fmt(py(point.mean)), "r": "3", "fill": stroke])
                }
            }
        }
    }

    static func fmt(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}

/// A small SVG writer: elements with escaped attributes and text.
struct SVGText {
    private(set) var output = ""

    mutating func open(_ name: String, _ attributes: [String: String]) { output += "<\(name)\(render(attributes))>\n" }
    mutating func close(_ name: String) { output += "</\(name)>\n" }
    mutating func element(_ name: String, _ attributes: [String: String]) { output += "<\(name)\(render(attributes))/>\n" }

    mutating func text(_ content: String, x: Double, y: Double, _ attributes: [String: String] = [:]) {
        var all = attributes
        all["x"] = CurvePlot.fmt(x)
        all["y"] = CurvePlot.fmt(y)
        output += "<text\(render(all))>\(Markup.escape(content))</text>\n"
    }

    private func render(_ attributes: [String: String]) -> String {
        attributes.sorted { $0.key < $1.key }.map { " \($0.key)=\"\(Markup.escape($0.value))\"" }.joined()
    }
}
