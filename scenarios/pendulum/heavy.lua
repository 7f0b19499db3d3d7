-- Model error: a pendulum 20-40% heavier and up to 20% longer than the one trained on.
local pi = math.pi
local function lean(theta) return math.abs(((theta + pi) % (2 * pi)) - pi) end
return {
  name = "heavy",
  description = "mass x1.2-1.4, length x1.0-1.2; must still swing up and hold",
  env = "envs/pendulum.lua",
  episodes = 20,
  seed = 4,
  params = { m = gym.uniform(1.2, 1.4), l = gym.uniform(1.0, 1.2) },
  on_step = function(env, ctx)
    if ctx.t >= 150 then ctx:record("lean", lean(env.state[1])) end
  end,
  success = function(episode) return episode.metrics.lean.max < 0.5 end,
  pass_rate = 0.9,
}
