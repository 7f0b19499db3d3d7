import CLua

/// The one place that decides what a script may do. Scripts get Lua's base functions, `math`,
/// `string`, `table`, `utf8` and the `gym` helper table; nothing that reaches files, processes,
/// the environment, other modules, the debug API or bytecode.
enum Sandbox {
    static func install(in state: LuaState) {
        let L = state.L
        let libraries: [(String, lua_CFunction)] = [
            ("_G", luaopen_base), ("math", luaopen_math), ("string", luaopen_string),
            ("table", luaopen_table), ("utf8", luaopen_utf8),
        ]
        for (name, open) in libraries {
            luaL_requiref(L, name, open, 1)
            gym_pop(L, 1)
        }
        gym_install_pattern_functions(L)
        do {
            try state.load(source: prelude, chunkName: "=gym prelude")
            gym_pushcfunction(L, gym_float32_function())
            gym_pushcfunction(L, gym_print_function())
            try state.call(arguments: 2, results: 0, function: "prelude")
        } catch {
            fatalError("the sandbox prelude failed: \(error)")
        }
    }

    /// Runs once per state, before any script.
    static let prelude = #"""
    local float32, host_print = ...

    local function refuse(name, why)
      error(name .. " is not available to gym scripts: " .. why, 3)
    end
    local function forbidden_library(name)
      return setmetatable({}, {
        __index = function(_, key) refuse(name .. "." .. tostring(key), "scripts are sandboxed") end,
        __newindex = function() refuse(name, "scripts are sandboxed") end,
        __metatable = false,
      })
    end
    io, os, debug, package = forbidden_library("io"), forbidden_library("os"),
      forbidden_library("debug"), forbidden_library("package")
    require = function(name)
      refuse("require('" .. tostring(name) .. "')", "an env or scenario is one self-contained file")
    end
    dofile = function() refuse("dofile", "scripts cannot read files") end
    loadfile = function() refuse("loadfile", "scripts cannot read files") end
    string.dump = nil
    math.random = function()
      refuse("math.random", "use the rng the host passes to reset (rng:uniform, rng:normal, rng:integer)")
    end
    math.randomseed = function() refuse("math.randomseed", "the host seeds each env's rng") end
    print = host_print

    -- Finalizers run with hooks off, outside any call's budget and time limit, and even when the
    -- state closes: a looping __gc would hang gym. A metatable only marks an object for
    -- finalization if it has __gc when set, so checking here closes the door.
    local raw_setmetatable, rawget = setmetatable, rawget
    setmetatable = function(t, mt)
      if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
        refuse("a __gc finalizer", "finalizers would run outside the instruction budget and time limit")
      end
      return raw_setmetatable(t, mt)
    end

    -- C loops that execute no VM instruction, so no budget sees them: repeating an empty
    -- string, and moving elements over a range far larger than any table the heap cap allows.
    local loop_limit = 1 << 24
    local raw_rep = string.rep
    string.rep = function(s, n, sep)
      if type(s) == "string" and #s == 0 and (sep == nil or sep == "") and math.type(n) == "integer" then
        return ""
      end
      return raw_rep(s, n, sep)
    end
    local function check_span(name, count)
      if count > loop_limit then
        error(name .. ": a range of " .. tostring(count) .. " elements is more than gym scripts may move (" .. loop_limit .. ")", 3)
      end
    end
    local raw_move, raw_insert, raw_remove = table.move, table.insert, table.remove
    table.move = function(a1, f, e, t, a2)
      if math.type(f) == "integer" and math.type(e) == "integer" and e >= f then check_span("table.move", e - f + 1) end
      return raw_move(a1, f, e, t, a2)
    end
    table.insert = function(t, ...)
      if select("#", ...) >= 2 then check_span("table.insert", #t) end
      return raw_insert(t, ...)
    end
    table.remove = function(t, ...)
      check_span("table.remove", #t)
      return raw_remove(t, ...)
    end

    local raw_load = load
    local function plain_error(f, err)
      -- An error raised by a reader function went through the host's message handler.
      if f == nil and type(err) == "table" and type(err.message) == "string" then return nil, err.message end
      return f, err
    end
    load = function(chunk, name, mode, ...)
      if mode ~= nil and mode ~= "t" then
        refuse("load with mode '" .. tostring(mode) .. "'", "binary chunks are disabled")
      end
      if select("#", ...) > 0 then return plain_error(raw_load(chunk, name, "t", ...)) end
      return plain_error(raw_load(chunk, name, "t"))
    end

    local raw_collectgarbage = collectgarbage
    local allowed_collect = { collect = true, count = true, step = true, isrunning = true }
    collectgarbage = function(option, ...)
      option = option or "collect"
      if not allowed_collect[option] then
        refuse("collectgarbage('" .. tostring(option) .. "')", "the host owns the collector")
      end
      return raw_collectgarbage(option, ...)
    end

    local max_box = 1 << 16  -- Space.maximumBoxSize: checked before anything is allocated
    local function number_list(value, what, count)
      if type(value) == "number" and count then
        local list = {}
        for i = 1, count do list[i] = value end
        return list
      end
      if type(value) ~= "table" then error(what .. " must be a list of numbers", 3) end
      if #value > max_box then error(what .. " has " .. #value .. " entries, more than " .. max_box, 3) end
      local list = {}
      for i = 1, #value do
        if type(value[i]) ~= "number" then error(what .. "[" .. i .. "] is not a number", 3) end
        list[i] = value[i]
      end
      if #list == 0 then error(what .. " is empty", 3) end
      return list
    end

    gym = {
      -- gym.box({lows}, {highs}) or gym.box(low, high, n) for n equal bounds.
      box = function(low, high, n)
        if n ~= nil and (math.type(n) ~= "integer" or n < 1 or n > max_box) then
          error("gym.box: n must be an integer from 1 to " .. max_box, 2)
        end
        low = number_list(low, "gym.box: low", n)
        high = number_list(high, "gym.box: high", n)
        if #low ~= #high then
          error(("gym.box: low has %d entries but high has %d"):format(#low, #high), 2)
        end
        return { kind = "box", low = low, high = high }
      end,
      -- gym.discrete(n): actions 0 .. n-1.
      discrete = function(n)
        if math.type(n) ~= "integer" then error("gym.discrete: n must be an integer", 2) end
        return { kind = "discrete", n = n }
      end,
      -- gym.float32(x): x rounded to single precision.
      float32 = float32,
    }
    """#
}
