-- Sensor noise: Gaussian noise (sd 0.05) on cos, sin and 0.3 rad/s on the angular velocity.
local pi = math.pi
local function lean(theta) return math.abs(((theta + pi) % (2 * pi)) - pi) end
return {
  name = "noisy_sensor",
  description = "observation noise: sd 0.05 on cos/sin, 0.3 on velocity",
  env = "envs/pendulum.lua",
  episodes = 20,
  seed = 6,
  on_observation = function(obs, ctx)
    obs[1] = obs[1] + ctx.rng:normal(0, 0.05)
    obs[2] = obs[2] + ctx.rng:normal(0, 0.05)
    obs[3] = obs[3] + ctx.rng:normal(0, 0.3)
  end,
  on_step = function(env, ctx)
    if ctx.t >= 150 then ctx:record("lean", lean(env.state[1])) end
  end,
  success = function(episode) return episode.metrics.lean.max < 0.5 end,
  pass_rate = 0.9,
}
