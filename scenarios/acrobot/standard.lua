-- The task as trained: swing the tip above the bar within 200 steps, on most episodes.
return {
  name = "standard",
  description = "reach the goal within 200 steps",
  env = "envs/acrobot.lua",
  episodes = 20,
  seed = 1,
  success = function(episode) return episode.terminated and episode.length <= 200 end,
  pass_rate = 0.9,
}
