-- Disturbance: an angular kick of 3 to 5 rad/s (either way) at t = 120, once balanced.
-- Passes when the pendulum is back within 0.5 rad of upright for the last 30 steps.
local pi = math.pi
local function lean(theta) return math.abs(((theta + pi) % (2 * pi)) - pi) end
return {
  name = "kick",
  description = "a 3-5 rad/s angular kick at t=120; must recover by t=170",
  env = "envs/pendulum.lua",
  episodes = 20,
  seed = 3,
  on_step = function(env, ctx)
    if ctx.t == 120 then
      local sign = ctx.rng:uniform() < 0.5 and -1 or 1
      env.state = { env.state[1], env.state[2] + sign * ctx.rng:uniform(3, 5) }
    end
    if ctx.t >= 170 then ctx:record("lean", lean(env.state[1])) end
  end,
  success = function(episode) return episode.metrics.lean.max < 0.5 end,
  pass_rate = 0.9,
}
