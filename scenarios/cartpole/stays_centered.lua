-- An invariant, not just survival: the cart must stay within 1 m of the centre throughout.
return {
  name = "stays_centered",
  description = "the cart never drifts more than 1 m from the centre",
  env = "envs/cartpole.lua",
  episodes = 20,
  seed = 5,
  on_step = function(env, ctx)
    ctx:record("offset", math.abs(env.state[1]))
    if math.abs(env.state[1]) > 1.0 then ctx:fail(string.format("cart at x=%.2f at t=%d", env.state[1], ctx.t)) end
  end,
  success = function(episode) return not episode.failed and episode.truncated end,
}
