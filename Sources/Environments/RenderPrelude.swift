/// The Lua half of `env:render(draw)`: the `draw` object an env draws on. It runs inside the
/// env's sandboxed state under the same limits, checks every argument where the env passes it
/// (so an error names the env's line), and collects shapes into a flat list that the Swift side
/// (`LuaEnvironment.render`) reads once the render returns.
enum RenderPrelude {
    static let source = #"""
    local maximum_shapes, maximum_numbers, maximum_text = ...
    local Draw = {}
    Draw.__index = Draw
    Draw.__name = "draw"

    local function finite(value, what)
      if type(value) ~= "number" or value ~= value or value == math.huge or value == -math.huge then
        error(("draw: %s must be a finite number (got %s)"):format(what, tostring(value)), 3)
      end
      return value
    end

    local checked_colours = {}   -- "#AbCdEf" -> "#abcdef", for colours already checked
    local function colour(value, what)
      if value == nil then return nil end
      local known = checked_colours[value]
      if known then return known end
      if type(value) ~= "string" or not value:match("^#%x%x%x%x%x%x$") then
        error(("draw: %s must be a colour \"#rrggbb\" (got %s)"):format(what, tostring(value)), 4)
      end
      known = value:lower()
      checked_colours[value] = known
      return known
    end

    local anchors = { start = true, middle = true, ["end"] = true }
    local function style(s)
      if s == nil then return {} end
      if type(s) ~= "table" then error("draw: the style must be a table {stroke=, fill=, width=, size=, anchor=}", 3) end
      local out = { stroke = colour(s.stroke, "stroke"), fill = colour(s.fill, "fill") }
      if s.width ~= nil then
        if type(s.width) ~= "number" or not (s.width >= 0 and s.width <= 1000) then
          error("draw: width must be a number from 0 to 1000 (pixels)", 3)
        end
        out.width = s.width
      end
      if s.size ~= nil then
        if type(s.size) ~= "number" or not (s.size > 0 and s.size <= 1000) then
          error("draw: size must be a number above 0, at most 1000 (pixels)", 3)
        end
        out.size = s.size
      end
      if s.anchor ~= nil then
        if not anchors[s.anchor] then error("draw: anchor must be \"start\", \"middle\" or \"end\"", 3) end
        out.anchor = s.anchor
      end
      return out
    end

    local function add(self, shape, numbers)
      local n = self.count + 1
      if n > maximum_shapes then
        error(("draw: more than %d shapes in one frame"):format(maximum_shapes), 3)
      end
      self.numbers = self.numbers + numbers
      if self.numbers > maximum_numbers then
        error(("draw: more than %d coordinates in one frame"):format(maximum_numbers), 3)
      end
      self.count = n
      self.shapes[n] = shape
    end

    function Draw:viewport(x_min, x_max, y_min, y_max)
      finite(x_min, "x_min"); finite(x_max, "x_max"); finite(y_min, "y_min"); finite(y_max, "y_max")
      if not (x_max > x_min and y_max > y_min) then
        error("draw:viewport(x_min, x_max, y_min, y_max) needs x_max > x_min and y_max > y_min", 2)
      end
      self.view = { x_min, x_max, y_min, y_max }
    end

    function Draw:line(x1, y1, x2, y2, s)
      add(self, { "line", finite(x1, "x1"), finite(y1, "y1"), finite(x2, "x2"), finite(y2, "y2"), style(s) }, 4)
    end

    function Draw:circle(x, y, radius, s)
      finite(radius, "radius")
      if radius < 0 then error("draw:circle: the radius is negative", 2) end
      add(self, { "circle", finite(x, "x"), finite(y, "y"), radius, style(s) }, 3)
    end

    function Draw:rect(x, y, width, height, s)
      add(self, { "rect", finite(x, "x"), finite(y, "y"), finite(width, "width"), finite(height, "height"), style(s) }, 4)
    end

    local function path(self, kind, points, s, closed)
      if type(points) ~= "table" then error(("draw:%s takes a list {x1, y1, x2, y2, ...}"):format(kind), 3) end
      local n = #points
      if n < 4 or n % 2 ~= 0 then
        error(("draw:%s takes an even number of coordinates, at least 4"):format(kind), 3)
      end
      if self.numbers + n > maximum_numbers then
        error(("draw: more than %d coordinates in one frame"):format(maximum_numbers), 3)
      end
      local copy = {}
      for i = 1, n do
        local v = points[i]
        if type(v) ~= "number" or v ~= v or v == math.huge or v == -math.huge then
          error(("draw:%s: point %d must be a finite number (got %s)"):format(kind, i, tostring(v)), 3)
        end
        copy[i] = v
      end
      add(self, { kind, copy, style(s) }, n)
    end

    function Draw:polygon(points, s) path(self, "polygon", points, s) end
    function Draw:polyline(points, s) path(self, "polyline", points, s) end

    function Draw:text(x, y, text, s)
      if type(text) == "number" then text = tostring(text) end
      if type(text) ~= "string" then error("draw:text: the text must be a string", 2) end
      add(self, { "text", finite(x, "x"), finite(y, "y"), text:sub(1, maximum_text), style(s) }, 2)
    end

    -- One frame: a fresh canvas, the env's render, and env.state's values put back (a render
    -- must not change the episode; the host puts back the env's generator). On an error the
    -- recording stops, so nothing needs putting back.
    return function(render, env, last)
      local canvas = setmetatable({ count = 0, numbers = 0, shapes = {} }, Draw)
      local state = env.state
      local backup
      if type(state) == "table" then
        backup = {}
        for k, v in next, state do backup[k] = v end
      end
      render(env, canvas, last)
      if backup then
        for k in next, state do state[k] = nil end
        for k, v in next, backup do state[k] = v end
      end
      rawset(env, "state", state)
      return canvas
    end
    """#
}
