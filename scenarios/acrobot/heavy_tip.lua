-- Model error: the second link 30-60% heavier.
return {
  name = "heavy_tip",
  description = "second link mass x1.3-1.6; reach the goal within 300 steps",
  env = "envs/acrobot.lua",
  episodes = 20,
  seed = 2,
  params = { link_mass_2 = gym.uniform(1.3, 1.6) },
  success = function(episode) return episode.terminated and episode.length <= 300 end,
  pass_rate = 0.9,
}
