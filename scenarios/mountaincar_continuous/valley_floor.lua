-- Starts at rest exactly at the bottom of the valley (x = -0.5236), the hardest start.
return {
  name = "valley_floor",
  description = "starts at rest at the valley floor; must reach the goal",
  env = "envs/mountaincar_continuous.lua",
  episodes = 5,
  seed = 3,
  setup = function(env, ctx) env.state = { -0.5236, 0.0 } end,
  success = function(episode) return episode.terminated end,
}
