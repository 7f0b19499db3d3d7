-- expect: eval=2 message=time limit exceeded
return { env = "envs/pendulum.lua", episodes = 1,
         on_step = function(env, ctx) local s = string.rep("a", 420); s:find(".-.-.-b") end }
