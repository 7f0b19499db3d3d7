-- Sensor noise on all four observations (sd 0.02 m, 0.05 m/s, 0.01 rad, 0.05 rad/s).
return {
  name = "sensor_noise",
  description = "Gaussian noise on every observation; must survive 500 steps",
  env = "envs/cartpole.lua",
  episodes = 20,
  seed = 4,
  on_observation = function(obs, ctx)
    obs[1] = obs[1] + ctx.rng:normal(0, 0.02)
    obs[2] = obs[2] + ctx.rng:normal(0, 0.05)
    obs[3] = obs[3] + ctx.rng:normal(0, 0.01)
    obs[4] = obs[4] + ctx.rng:normal(0, 0.05)
  end,
  success = function(episode) return episode.truncated end,
  pass_rate = 0.9,
}
