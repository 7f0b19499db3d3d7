-- Disturbance: random gusts change the car's velocity by up to 0.002 every 50 steps.
return {
  name = "gusty",
  description = "velocity gusts of up to 0.002 every 50 steps; must reach the goal",
  env = "envs/mountaincar_continuous.lua",
  episodes = 20,
  seed = 4,
  on_step = function(env, ctx)
    if ctx.t > 0 and ctx.t % 50 == 0 then
      local s = env.state
      env.state = { s[1], s[2] + ctx.rng:uniform(-0.002, 0.002) }
    end
  end,
  success = function(episode) return episode.terminated end,
  pass_rate = 0.9,
}
