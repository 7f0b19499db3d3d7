-- Model error: a puck twice as heavy on a slipperier table (it answers slower, coasts longer).
local function distance(s) return math.sqrt((s[1] - s[5]) ^ 2 + (s[2] - s[6]) ^ 2) end
return {
  name = "heavy_puck",
  description = "mass x1.6-2.0, friction x0.5-0.8; must still settle within 0.15 of the target",
  env = "envs/point_mass.lua",
  episodes = 20,
  seed = 2,
  params = { mass = gym.uniform(1.6, 2.0), friction = gym.uniform(1.0, 1.6) },
  on_step = function(env, ctx)
    if ctx.t >= 70 then ctx:record("distance", distance(env.state)) end
  end,
  success = function(episode) return episode.metrics.distance.max < 0.15 end,
  pass_rate = 0.8,
}
