import Markup

/// A recording as one self-contained HTML page: no network, no external scripts or fonts. It
/// plays the episodes with play/pause, a scrubber, a step counter, an episode menu and speed,
/// shows the step's observation, action and reward beside the picture, and traces them over
/// the episode below it. Envs without `render` show the traces as their picture.
public enum HTMLPlayer {
    public static func page(_ recording: Recording) -> String {
        document(title: "\(recording.envName): \(recording.actor) - gym", body: """
            <h1>\(Markup.escape(recording.envName))</h1>
            <p class="meta">\(Markup.escape(recording.envScript)) · \(Markup.escape(recording.actor)) · \(recording.episodes.count) episode\(recording.episodes.count == 1 ? "" : "s") · recorded by gym</p>
            \(embedded(recording, id: "recording-1"))
            """)
    }

    /// A player's place on a page and its recording's data; `document` starts every player.
    public static func embedded(_ recording: Recording, id: String) -> String {
        "<div class=\"gym-player\" data-recording=\"\(id)\"></div>\n"
            + "<script type=\"application/json\" id=\"\(id)\">\(RecordingJSON.encode(recording))</script>"
    }

    /// A self-contained page: the content security policy forbids every load (no network, no
    /// external scripts, styles or fonts), the player's script starts each embedded player,
    /// and `script` (if any) runs after it.
    public static func document(title: String, extraStyle: String = "", body: String, script extra: String = "") -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
        <title>\(Markup.escape(title))</title>
        <style>\(style)\(extraStyle)</style>
        </head>
        <body>
        \(body)
        <script>\(script)
        document.querySelectorAll(".gym-player").forEach(function (element) {
          gymPlayer(element, JSON.parse(document.getElementById(element.dataset.recording).textContent));
        });
        \(extra)
        </script>
        </body>
        </html>

        """
    }

    /// The player's CSS, shared with the evaluation report.
    public static let style = """
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: #222; margin: 24px; background: #fff; }
        h1 { font-size: 22px; margin: 0 0 4px; } .meta { color: #666; margin: 0 0 16px; font-size: 13px; }
        .gym-player { display: grid; grid-template-columns: 600px 260px; gap: 8px 16px; align-items: start; }
        .gym-player .picture { width: 600px; height: 400px; border: 1px solid #ddd; background: #fff; }
        .gym-player .traces { width: 600px; height: 150px; border: 1px solid #ddd; background: #fafafa; }
        .gym-player .controls { grid-column: 1; display: flex; gap: 8px; align-items: center; font-size: 13px; }
        .gym-player .controls input[type=range] { flex: 1; }
        .gym-player button { font: inherit; padding: 2px 10px; min-width: 64px; }
        .gym-player .panel { grid-column: 2; grid-row: 1 / span 3; font-size: 13px; }
        .gym-player table { border-collapse: collapse; width: 100%; }
        .gym-player td { padding: 2px 6px; border-bottom: 1px solid #eee; font-variant-numeric: tabular-nums; }
        .gym-player td:first-child { color: #666; } .gym-player td:last-child { text-align: right; }
        .gym-player .ending { margin-top: 8px; color: #555; }
        """

    /// `gymPlayer(element, data)`: builds a player for one recording's data (RecordingJSON).
    public static let script = #"""
        function gymPlayer(root, data) {
          var NS = "http://www.w3.org/2000/svg";
          var colours = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
          function el(name, attributes, parent) {
            var e = name.indexOf("svg:") === 0 ? document.createElementNS(NS, name.slice(4)) : document.createElement(name);
            for (var k in attributes) { if (attributes[k] !== null && attributes[k] !== undefined) e.setAttribute(k, attributes[k]); }
            if (parent) parent.appendChild(e);
            return e;
          }
          var picture = el("svg:svg", { "class": "picture", viewBox: "0 0 600 400" }, root);
          var panel = el("div", { "class": "panel" }, root);
          var controls = el("div", { "class": "controls" }, root);
          var traces = el("svg:svg", { "class": "traces", viewBox: "0 0 600 150", preserveAspectRatio: "none" }, root);
          // An env without pictures shows its traces in the picture's place, once.
          if (!data.pictures) traces.style.display = "none";
          var play = el("button", { type: "button" }, controls); play.textContent = "Play";
          var scrub = el("input", { type: "range", min: 0, max: 0, value: 0, "aria-label": "step" }, controls);
          var counter = el("span", {}, controls);
          var speed = el("select", { "aria-label": "speed" }, controls);
          [0.25, 0.5, 1, 2, 4].forEach(function (s) { var o = el("option", { value: s }, speed); o.textContent = s + "x"; if (s === 1) o.selected = true; });
          var episodeMenu = el("select", { "aria-label": "episode" }, panel);
          data.episodes.forEach(function (e, i) {
            var o = el("option", { value: i }, episodeMenu);
            o.textContent = (e.label || "episode " + e.number) + ": return " + fmt(e["return"]);
          });
          var table = el("table", {}, panel);
          var ending = el("div", { "class": "ending" }, panel);
          var episode = 0, step = 0, timer = null;

          function fmt(x) {
            if (x === null || x === undefined) return "-";
            if (Array.isArray(x)) return x.map(fmt).join(", ");
            var a = Math.abs(x);
            return (a !== 0 && (a < 1e-3 || a >= 1e5)) ? x.toExponential(3) : String(Math.round(x * 10000) / 10000);
          }
          function drawFrame(frame) {
            while (picture.firstChild) picture.removeChild(picture.firstChild);
            el("svg:rect", { width: 600, height: 400, fill: "#ffffff" }, picture);
            var s = Math.min(600 / (frame[1] - frame[0]), 400 / (frame[3] - frame[2]));
            var left = (600 - s * (frame[1] - frame[0])) / 2, bottom = (400 - s * (frame[3] - frame[2])) / 2;
            function X(x) { return left + (x - frame[0]) * s; }
            function Y(y) { return 400 - (bottom + (y - frame[2]) * s); }
            function pts(p) { var out = []; for (var i = 0; i + 1 < p.length; i += 2) out.push(X(p[i]) + "," + Y(p[i + 1])); return out.join(" "); }
            frame[4].forEach(function (shape) {
              var st = data.styles[shape[shape.length - 1]], open = shape[0] === "l" || shape[0] === "q";
              var paint = { fill: open ? "none" : (st.f || "none") };
              var stroke = st.s || (open ? st.f : null);
              if (stroke) { paint.stroke = stroke; paint["stroke-width"] = st.w; paint["stroke-linejoin"] = "round"; paint["stroke-linecap"] = "round"; }
              if (shape[0] === "l") { paint.x1 = X(shape[1]); paint.y1 = Y(shape[2]); paint.x2 = X(shape[3]); paint.y2 = Y(shape[4]); el("svg:line", paint, picture); }
              else if (shape[0] === "c") { paint.cx = X(shape[1]); paint.cy = Y(shape[2]); paint.r = shape[3] * s; el("svg:circle", paint, picture); }
              else if (shape[0] === "r") {
                paint.x = Math.min(X(shape[1]), X(shape[1] + shape[3])); paint.y = Math.min(Y(shape[2]), Y(shape[2] + shape[4]));
                paint.width = Math.abs(shape[3]) * s; paint.height = Math.abs(shape[4]) * s; el("svg:rect", paint, picture);
              }
              else if (shape[0] === "p") { paint.points = pts(shape[1]); el("svg:polygon", paint, picture); }
              else if (shape[0] === "q") { paint.points = pts(shape[1]); el("svg:polyline", paint, picture); }
              else if (shape[0] === "t") {
                var t = el("svg:text", { x: X(shape[1]), y: Y(shape[2]), fill: st.f || st.s || "#222222", "font-size": st.z,
                                          "text-anchor": st.a === "start" ? null : st.a }, picture);
                t.textContent = shape[3];
              }
            });
          }
          function drawTraces(svg, e, upTo, width, height) {
            while (svg.firstChild) svg.removeChild(svg.firstChild);
            var rows = [["observation", e.obs], ["action", e.act], ["reward", e.rew.map(function (r) { return r === null ? null : [r]; })]];
            var band = height / 3, n = Math.max(e.obs.length - 1, 1);
            rows.forEach(function (row, r) {
              var values = [], top = r * band;
              row[1].forEach(function (v) { if (v) v.forEach(function (x) { values.push(x); }); });
              var lo = Math.min.apply(null, values.length ? values : [0]), hi = Math.max.apply(null, values.length ? values : [1]);
              if (!(hi > lo)) { lo -= 1; hi += 1; }
              el("svg:rect", { x: 0, y: top, width: width, height: band, fill: r % 2 ? "#f4f4f4" : "#fafafa" }, svg);
              var label = el("svg:text", { x: 4, y: top + 12, "font-size": 10, fill: "#666" }, svg); label.textContent = row[0];
              var dims = 0; row[1].forEach(function (v) { if (v) dims = Math.max(dims, v.length); });
              for (var k = 0; k < dims; k++) {
                var p = [];
                for (var i = 0; i <= upTo && i < row[1].length; i++) {
                  var v = row[1][i]; if (!v) continue;
                  p.push((i / n * width).toFixed(1) + "," + (top + band - 2 - (v[k] - lo) / (hi - lo) * (band - 4)).toFixed(1));
                }
                if (p.length > 1) el("svg:polyline", { points: p.join(" "), fill: "none", stroke: colours[k % colours.length], "stroke-width": 1.5, "vector-effect": "non-scaling-stroke" }, svg);
              }
            });
            el("svg:line", { x1: upTo / n * width, x2: upTo / n * width, y1: 0, y2: height, stroke: "#888", "vector-effect": "non-scaling-stroke" }, svg);
          }
          function show() {
            var e = data.episodes[episode], last = e.obs.length - 1;
            step = Math.max(0, Math.min(step, last));
            scrub.max = last; scrub.value = step;
            counter.textContent = "step " + step + " / " + last;
            if (data.pictures && e.frames[step]) drawFrame(e.frames[step]);
            else { picture.setAttribute("viewBox", "0 0 600 400"); drawTraces(picture, e, step, 600, 400); }
            if (data.pictures) drawTraces(traces, e, step, 600, 150);
            var sum = 0; for (var i = 1; i <= step; i++) sum += e.rew[i] || 0;
            var rows = [["t", step], ["action", e.act[step]], ["reward", e.rew[step]], ["return so far", sum]];
            e.obs[step].forEach(function (v, i) { rows.push(["obs[" + (i + 1) + "]", v]); });
            while (table.firstChild) table.removeChild(table.firstChild);
            rows.forEach(function (r) { var tr = el("tr", {}, table); el("td", {}, tr).textContent = r[0]; el("td", {}, tr).textContent = fmt(r[1]); });
            ending.textContent = step === last ? "episode " + e.number + ": " + e.ending + ", return " + fmt(e["return"]) : "";
          }
          function stop() { if (timer) { clearInterval(timer); timer = null; } play.textContent = "Play"; }
          function start() {
            var e = data.episodes[episode];
            if (step >= e.obs.length - 1) step = 0;
            play.textContent = "Pause";
            timer = setInterval(function () {
              if (step >= data.episodes[episode].obs.length - 1) { stop(); return; }
              step += 1; show();
            }, 1000 / (30 * Number(speed.value)));
          }
          play.addEventListener("click", function () { if (timer) stop(); else start(); });
          speed.addEventListener("change", function () { if (timer) { stop(); start(); } });
          scrub.addEventListener("input", function () { stop(); step = Number(scrub.value); show(); });
          episodeMenu.addEventListener("change", function () { stop(); episode = Number(episodeMenu.value); step = 0; show(); });
          root.tabIndex = 0;
          root.addEventListener("keydown", function (event) {
            if (event.key === " ") { event.preventDefault(); if (timer) stop(); else start(); }
            else if (event.key === "ArrowRight") { stop(); step += 1; show(); }
            else if (event.key === "ArrowLeft") { stop(); step -= 1; show(); }
          });
          // A link may open a step: page.html#episode=2&step=120 (the first player on the page).
          var wanted = /episode=(\d+)/.exec(location.hash), at = /step=(\d+)/.exec(location.hash);
          if (root === document.querySelector(".gym-player")) {
            if (wanted) { episode = Math.max(0, Math.min(data.episodes.length - 1, Number(wanted[1]) - 1)); episodeMenu.value = episode; }
            if (at) step = Number(at[1]);
          }
          show();
          return { show: show, select: function (e, s) { episode = e; step = s; episodeMenu.value = e; show(); } };
        }
        """#
}
