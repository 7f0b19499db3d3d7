-- expect: eval=1 message=none junit=valid
return { env = "envs/pendulum.lua", episodes = 1, max_steps = 5, name = "evil\27[2J\0name",
         on_step = function(env, ctx) ctx:fail("\27]0;title\7\0 bad") end }
