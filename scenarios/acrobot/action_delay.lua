-- Actuation delay: each action takes effect one step late.
local previous = 1
return {
  name = "action_delay",
  description = "actions applied one step late; reach the goal within 300 steps",
  env = "envs/acrobot.lua",
  episodes = 20,
  seed = 3,
  setup = function(env, ctx) previous = 1 end,
  on_step = function(env, ctx)
    previous, ctx.action = ctx.action, previous
  end,
  success = function(episode) return episode.terminated and episode.length <= 300 end,
  pass_rate = 0.9,
}
