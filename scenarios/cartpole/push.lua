-- Disturbance: a push on the pole (angular velocity +-0.5 to 1.0 rad/s) every 100 steps.
return {
  name = "push",
  description = "the pole is pushed (0.5-1.0 rad/s) every 100 steps; must survive 500",
  env = "envs/cartpole.lua",
  episodes = 20,
  seed = 2,
  on_step = function(env, ctx)
    if ctx.t > 0 and ctx.t % 100 == 0 then
      local s = env.state
      local sign = ctx.rng:uniform() < 0.5 and -1 or 1
      env.state = { s[1], s[2], s[3], s[4] + sign * ctx.rng:uniform(0.5, 1.0) }
    end
  end,
  success = function(episode) return episode.truncated end,
  pass_rate = 0.9,
}
