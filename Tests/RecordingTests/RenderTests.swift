import Environments
import Foundation
@testable import Recording
import Testing
import TestScratch

let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let goldenFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

func temporaryScript(_ source: String) throws -> String {
    let path = TestScratch.unusedPath("render", extension: ".lua")
    try source.write(toFile: path, atomically: false, encoding: .utf8)
    return path
}

/// A frame as text, one shape a line, numbers to 4 decimals: what golden files compare.
func describe(_ frame: Frame) -> String {
    func n(_ x: Double) -> String { String(format: "%.4f", x) }
    func s(_ style: ShapeStyle) -> String {
        "stroke=\(style.stroke ?? "-") fill=\(style.fill ?? "-") width=\(n(style.width)) size=\(n(style.size)) anchor=\(style.anchor)"
    }
    let v = frame.viewport
    var lines = ["viewport \(n(v.xMin)) \(n(v.xMax)) \(n(v.yMin)) \(n(v.yMax))"]
    for shape in frame.shapes {
        switch shape {
        case .line(let x1, let y1, let x2, let y2, let st): lines.append("line \(n(x1)) \(n(y1)) \(n(x2)) \(n(y2)) \(s(st))")
        case .circle(let x, let y, let r, let st): lines.append("circle \(n(x)) \(n(y)) \(n(r)) \(s(st))")
        case .rect(let x, let y, let w, let h, let st): lines.append("rect \(n(x)) \(n(y)) \(n(w)) \(n(h)) \(s(st))")
        case .polygon(let p, let st): lines.append("polygon \(p.map(n).joined(separator: " ")) \(s(st))")
        case .polyline(let p, let st): lines.append("polyline \(p.count / 2) points, first \(n(p[0])) \(n(p[1])), last \(n(p[p.count - 2])) \(n(p[p.count - 1])) \(s(st))")
        case .text(let x, let y, let text, let st): lines.append("text \(n(x)) \(n(y)) \"\(text)\" \(s(st))")
        }
    }
    return lines.joined(separator: "\n") + "\n"
}

@Suite struct RenderTests {
    /// Each shipped env drawn in a known state, against its golden draw list (regenerate with
    /// GYM_UPDATE_GOLDEN=1 after a deliberate change, and look at the pictures).
    @Test(arguments: [
        ("pendulum", [0.7, -1.5], [1.5]),
        ("cartpole", [0.5, 0.1, -0.15, 0.3], [1.0]),
        ("mountaincar_continuous", [-0.3, 0.02], [0.8]),
        ("acrobot", [0.4, -0.9, 0.1, 0.2], [2.0]),
    ])
    func shippedEnvDrawsItsGoldenPicture(env name: String, state: [Double], action: [Double]) throws {
        let env = try LuaEnvironment(path: projectRoot.appendingPathComponent("envs/\(name).lua").path)
        var observation = [Double](repeating: 0, count: env.spec.observationSpace.flatSize)
        try observation.withUnsafeMutableBufferPointer { try env.reset(seed: 0, observation: $0) }
        try observation.withUnsafeMutableBufferPointer { try env.setPhysicalState(state, observation: $0) }
        let frame = try #require(try env.render(RenderContext(t: 7, action: action, reward: -1)))
        let text = describe(frame)
        let golden = goldenFolder.appendingPathComponent("\(name).txt")
        if ProcessInfo.processInfo.environment["GYM_UPDATE_GOLDEN"] == "1" {
            try text.write(to: golden, atomically: false, encoding: .utf8)
        }
        #expect(text == (try String(contentsOf: golden, encoding: .utf8)))
        #expect(frame.shapes.count > 3)
    }

    @Test func anEnvWithoutRenderHasNoPicture() throws {
        let script = try temporaryScript("""
            local env = { name = "Plain", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2),
                          max_steps = 5, state = {0} }
            function env:reset(rng) return {0} end
            function env:step(a) return {0}, 1, false end
            return env
            """)
        let env = try LuaEnvironment(path: script)
        #expect(!env.canRender)
        #expect(try env.render(RenderContext(t: 0)) == nil)
    }

    /// A render that changes the state and draws from a generator the env kept: both are put
    /// back, so recording never changes the trajectory.
    @Test func renderCannotChangeTheTrajectory() throws {
        let source = """
            local env = { name = "Sneaky", observation_space = gym.box({-100}, {100}), action_space = gym.box({-1}, {1}),
                          max_steps = 20, state = {0} }
            function env:reset(rng) self.rng = rng; self.state = {rng:uniform(-1, 1)}; return {self.state[1]} end
            function env:step(a) self.state[1] = self.state[1] + a[1] + self.rng:uniform(-0.1, 0.1); return {self.state[1]}, 0, false end
            function env:render(draw, last)
              self.state[1] = 99; self.rng:uniform(0, 1); self.rng:uniform(0, 1)
              draw:circle(0, 0, 1)
            end
            return env
            """
        func trajectory(rendering: Bool) throws -> [Double] {
            let env = try LuaEnvironment(path: try temporaryScript(source))
            var observation = [0.0]
            var out: [Double] = []
            try observation.withUnsafeMutableBufferPointer { try env.reset(seed: 3, observation: $0) }
            for t in 0..<10 {
                if rendering { _ = try env.render(RenderContext(t: t)) }
                _ = try [0.5].withUnsafeBufferPointer { a in try observation.withUnsafeMutableBufferPointer { try env.step(action: a, observation: $0) } }
                out.append(observation[0])
            }
            return out
        }
        #expect(try trajectory(rendering: true) == trajectory(rendering: false))
    }

    @Test(arguments: [
        ("draw:line(0, 0, 0/0, 1)", "x2 must be a finite number (got "),
        ("draw:circle(0, 0, 1, { fill = 'red' })", "fill must be a colour \"#rrggbb\" (got red)"),
        ("for i = 1, 6000 do draw:line(0, 0, 1, 1) end", "more than 5000 shapes in one frame"),
        ("local p = {} for i = 1, 60000 do p[i] = 0 end draw:polyline(p)", "more than 50000 coordinates in one frame"),
        ("draw:viewport(1, 0, 0, 1)", "needs x_max > x_min"),
        ("draw:polygon({0, 0, 1})", "an even number of coordinates"),
        ("error('boom')", "boom"),
        ("while true do end", "time limit exceeded"),
    ])
    func aBadRenderIsAnErrorNamingTheScriptLineAndFunction(body: String, message: String) throws {
        let script = try temporaryScript("""
            local env = { name = "Bad", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2),
                          max_steps = 5, state = {0} }
            function env:reset(rng) return {0} end
            function env:step(a) return {0}, 1, false end
            function env:render(draw, last)
              \(body)
            end
            return env
            """)
        let env = try LuaEnvironment(path: script)
        var observation = [0.0]
        try observation.withUnsafeMutableBufferPointer { try env.reset(seed: 0, observation: $0) }
        do {
            _ = try env.render(RenderContext(t: 0))
            Issue.record("render should have failed")
        } catch {
            let text = "\(error)"
            #expect(text.contains(message), "\(text)")
            #expect(text.contains("\(script):6"), "\(text)")
            #expect(text.contains("render"), "\(text)")
            // The render runtime (a host chunk) calls the script's render: its name is not
            // the error's location.
            #expect(!text.contains("runtime:"), "\(text)")
        }
    }

    @Test func framesBecomeSVGInsideTheirViewport() throws {
        let frame = Frame(viewport: Viewport(xMin: -1, xMax: 1, yMin: -1, yMax: 1), shapes: [
            .line(x1: -1, y1: -1, x2: 1, y2: 1, ShapeStyle(stroke: "#ff0000")),
            .circle(x: 0, y: 0, radius: 0.5, ShapeStyle(fill: "#00ff00")),
            .text(x: 0, y: 0, "a < b", ShapeStyle()),
        ])
        let svg = FrameSVG.document(frame)
        // A square viewport in a 600 x 400 picture: scale 200, centred, y up.
        #expect(svg.contains("<line x1=\"100\" y1=\"400\" x2=\"500\" y2=\"0\""))
        #expect(svg.contains("<circle cx=\"300\" cy=\"200\" r=\"100\" fill=\"#00ff00\""))
        #expect(svg.contains(">a &lt; b</text>"))
    }
}

@Suite struct RecordingJSONTests {
    @Test func numbersAreShortAndExact() {
        #expect(RecordingJSON.c(1.23456) == "1.2346")
        #expect(RecordingJSON.c(-0.00006) == "-0.0001")
        #expect(RecordingJSON.c(-0.00004999) == "0")
        #expect(RecordingJSON.c(2) == "2")
        #expect(RecordingJSON.c(-3.05) == "-3.05")
        #expect(RecordingJSON.c(.nan) == "0")
        #expect(RecordingJSON.value(0.80432112345) == "0.804321")
        #expect(RecordingJSON.value(-128.4371234) == "-128.437")
        #expect(RecordingJSON.value(500) == "500")
        #expect(RecordingJSON.value(1e-12) == "1e-12")
        #expect(RecordingJSON.value(.infinity) == "null")
        #expect(RecordingJSON.string("</script>\u{1}") == "\"\\u003c/script\\u003e\\u0001\"")
    }
}
