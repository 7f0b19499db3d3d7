-- Starts already swinging (random joint velocities up to 2 rad/s).
return {
  name = "swinging_start",
  description = "starts with joint velocities up to 2 rad/s; reach the goal within 200 steps",
  env = "envs/acrobot.lua",
  episodes = 20,
  seed = 4,
  setup = function(env, ctx)
    local s = env.state
    env.state = { s[1], s[2], ctx.rng:uniform(-2, 2), ctx.rng:uniform(-2, 2) }
  end,
  success = function(episode) return episode.terminated and episode.length <= 200 end,
  pass_rate = 0.9,
}
