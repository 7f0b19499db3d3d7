-- Start the pendulum hanging straight down at rest: the full swing-up task.
--   gym run envs/pendulum.lua --scenario scenarios/pendulum/hanging.lua
return {
  name = "hanging",
  description = "pendulum starts hanging down, at rest",
  setup = function(env, ctx)
    env.state = { math.pi, 0.0 }
  end,
}
