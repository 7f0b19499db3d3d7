-- A disturbance: halfway through, the puck is shoved 0.5 along x, toward the table's centre.
local function distance(s) return math.sqrt((s[1] - s[5]) ^ 2 + (s[2] - s[6]) ^ 2) end
return {
  name = "shove",
  description = "at step 50 the puck jumps 0.5 along x (toward the centre); back within 0.1 by step 85",
  env = "envs/point_mass.lua",
  episodes = 20,
  seed = 3,
  on_step = function(env, ctx)
    local s = env.state
    if ctx.t == 50 then
      s[1] = s[1] > 0 and s[1] - 0.5 or s[1] + 0.5
    end
    if ctx.t >= 85 then ctx:record("distance", distance(s)) end
  end,
  success = function(episode) return episode.metrics.distance.max < 0.1 end,
  pass_rate = 0.9,
}
