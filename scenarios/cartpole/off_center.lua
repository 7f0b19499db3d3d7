-- Starts 1.0 to 1.5 m off centre (either side): must balance without leaving the track.
return {
  name = "off_center",
  description = "starts 1.0-1.5 m off centre; must survive 500 steps",
  env = "envs/cartpole.lua",
  episodes = 20,
  seed = 1,
  setup = function(env, ctx)
    local side = ctx.rng:uniform() < 0.5 and -1 or 1
    env.state = { side * ctx.rng:uniform(1.0, 1.5), 0.0, ctx.rng:uniform(-0.05, 0.05), 0.0 }
  end,
  success = function(episode) return episode.truncated end,
}
