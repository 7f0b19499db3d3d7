-- Balance: starts nearly upright and slow; must stay within 0.2 rad of upright the whole time.
local pi = math.pi
local function lean(theta) return math.abs(((theta + pi) % (2 * pi)) - pi) end
return {
  name = "upright",
  description = "starts within 0.1 rad of upright; must never lean past 0.3 rad",
  env = "envs/pendulum.lua",
  episodes = 20,
  seed = 2,
  setup = function(env, ctx)
    env.state = { ctx.rng:uniform(-0.1, 0.1), ctx.rng:uniform(-0.2, 0.2) }
  end,
  on_step = function(env, ctx)
    if ctx.t >= 20 and lean(env.state[1]) > 0.3 then
      ctx:fail(string.format("leaned %.2f rad at t=%d", lean(env.state[1]), ctx.t))
    end
  end,
}
