-- The task as trained: reach the flag with a return of at least 90.
return {
  name = "standard",
  description = "reach the goal with a return of at least 90",
  env = "envs/mountaincar_continuous.lua",
  episodes = 20,
  seed = 1,
  success = function(episode) return episode.terminated and episode["return"] >= 90 end,
}
