-- expect: eval=1 message=none
local huge = string.rep("x", 20000000)
return { env = "envs/pendulum.lua", episodes = 2, max_steps = 50,
         on_step = function(env, ctx) ctx:fail(huge) end }
