-- Model error: an engine with 20% less power.
return {
  name = "weak_engine",
  description = "engine power x0.8; must still reach the goal",
  env = "envs/mountaincar_continuous.lua",
  episodes = 20,
  seed = 2,
  params = { power = 0.0012 },
  success = function(episode) return episode.terminated end,
  pass_rate = 0.9,
}
