// Scenarios' runtime half: it runs inside the env's Lua state, on its step path (the judging
// half, evaluation and reports, is Sources/Scenarios; Package.swift maps both).

/// The Lua side of scenarios, loaded as host code into an env's state when a scenario attaches:
/// the samplers a scenario's `params` may use, the `ctx` methods, and the per-episode param
/// reset-and-draw. Errors raised here point at the scenario's line, not at this chunk.
enum ScenarioPrelude {
    static let source = #"""
    local sampler = { __name = "sampler" }
    local function number_arg(value, what)
      if type(value) ~= "number" or value ~= value then
        error(what .. " must be a number", 3)
      end
      return value
    end
    function gym.uniform(low, high)
      number_arg(low, "gym.uniform: low"); number_arg(high, "gym.uniform: high")
      if low > high then error("gym.uniform: low is above high", 2) end
      return setmetatable({ kind = "uniform", low = low, high = high }, sampler)
    end
    function gym.normal(mean, stddev)
      number_arg(mean, "gym.normal: mean"); number_arg(stddev, "gym.normal: stddev")
      if stddev < 0 then error("gym.normal: stddev is negative", 2) end
      return setmetatable({ kind = "normal", mean = mean, stddev = stddev }, sampler)
    end
    function gym.choice(values)
      if type(values) ~= "table" or #values == 0 then error("gym.choice takes a non-empty list", 2) end
      return setmetatable({ kind = "choice", values = values }, sampler)
    end

    local function draw(value, rng)
      if getmetatable(value) ~= sampler then return value end
      if value.kind == "uniform" then return rng:uniform(value.low, value.high) end
      if value.kind == "normal" then return rng:normal(value.mean, value.stddev) end
      return value.values[rng:integer(1, #value.values)]
    end

    local context = {}
    context.__index = context
    -- Marks the episode failed (the first message is kept); the episode ends after this step.
    function context:fail(message)
      if self.failure == nil then
        -- Kept per episode for the report: a long message is cut, not copied whole.
        local text = message == nil and "failed" or tostring(message)
        if #text > 500 then text = text:sub(1, 500) .. "... (cut)" end
        self.failure = text
      end
    end
    -- Records a named number; success(episode) sees episode.metrics[name] = {last, min, max, mean, count}.
    function context:record(name, value)
      if type(name) ~= "string" then error("ctx:record: the name must be a string", 2) end
      if type(value) ~= "number" then error("ctx:record: the value must be a number", 2) end
      local m = self.metrics[name]
      if m == nil then
        m = { count = 0, sum = 0, min = value, max = value }
        self.metrics[name] = m
      end
      m.count, m.sum, m.last = m.count + 1, m.sum + value, value
      if value < m.min then m.min = value end
      if value > m.max then m.max = value end
      m.mean = m.sum / m.count
    end

    local runtime = {}
    function runtime.new_context(rng)
      return setmetatable({ rng = rng, episode = 0, t = 0, metrics = {} }, context)
    end
    -- A copy of the env's params as the script declared them, restored before every episode,
    -- so a perturbation in one episode cannot leak into the next.
    function runtime.snapshot_params(env)
      local copy = {}
      for k, v in pairs(env.params or {}) do copy[k] = v end
      return copy
    end
    function runtime.begin_episode(ctx, env, original, overrides, episode)
      ctx.episode, ctx.t, ctx.failure, ctx.metrics, ctx.action = episode, 0, nil, {}, nil
      local params = env.params
      for k, v in pairs(original) do params[k] = v end
      local keys = {}
      for k in pairs(overrides) do keys[#keys + 1] = k end
      table.sort(keys)  -- a fixed draw order, so a seed means the same params
      for _, k in ipairs(keys) do params[k] = draw(overrides[k], ctx.rng) end
    end
    function runtime.episode_table(total, length, terminated, truncated, failure, metrics)
      return { ["return"] = total, total_reward = total, length = length, terminated = terminated, truncated = truncated,
               failed = failure ~= nil, failure = failure, metrics = metrics }
    end
    return runtime
    """#
}
