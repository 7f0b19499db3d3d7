-- Swing-up from rest: the pendulum starts hanging straight down, not moving.
-- Passes when, over the last 50 steps, the pole never leans more than 0.5 rad from upright.
local pi = math.pi
local function lean(theta) return math.abs(((theta + pi) % (2 * pi)) - pi) end
return {
  name = "hanging",
  description = "starts hanging down at rest; must swing up and hold",
  env = "envs/pendulum.lua",
  episodes = 20,
  seed = 1,
  setup = function(env, ctx)
    env.state = { pi + ctx.rng:uniform(-0.05, 0.05), 0.0 }
  end,
  on_step = function(env, ctx)
    if ctx.t >= 150 then ctx:record("lean", lean(env.state[1])) end
  end,
  success = function(episode) return episode.metrics.lean.max < 0.5 end,
}
