-- Model error: a pole 3 to 5 times heavier and up to 50% longer.
return {
  name = "heavy_pole",
  description = "pole mass x3-5, length x1-1.5; must survive 500 steps",
  env = "envs/cartpole.lua",
  episodes = 20,
  seed = 3,
  params = { masspole = gym.uniform(0.3, 0.5), length = gym.uniform(0.5, 0.75) },
  success = function(episode) return episode.truncated end,
  pass_rate = 0.9,
}
