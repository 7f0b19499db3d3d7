-- Actuator fault: the motor delivers only 60% of the commanded torque.
local pi = math.pi
local function lean(theta) return math.abs(((theta + pi) % (2 * pi)) - pi) end
return {
  name = "weak_motor",
  description = "the motor gives 60% of the commanded torque",
  env = "envs/pendulum.lua",
  episodes = 20,
  seed = 5,
  on_step = function(env, ctx)
    ctx.action = { 0.6 * ctx.action[1] }
    if ctx.t >= 150 then ctx:record("lean", lean(env.state[1])) end
  end,
  success = function(episode) return episode.metrics.lean.max < 0.5 end,
  pass_rate = 0.9,
}
