-- The task as trained: reach the target and hold it for the episode's last 40 steps.
local function distance(s) return math.sqrt((s[1] - s[5]) ^ 2 + (s[2] - s[6]) ^ 2) end
return {
  name = "reach",
  description = "from anywhere on the table, within 0.1 of the target over steps 60-100",
  env = "envs/point_mass.lua",
  episodes = 20,
  seed = 1,
  on_step = function(env, ctx)
    if ctx.t >= 60 then ctx:record("distance", distance(env.state)) end
  end,
  success = function(episode) return episode.metrics.distance.max < 0.1 end,
  pass_rate = 0.9,
}
