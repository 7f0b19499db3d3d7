-- expect: eval=2 message=contains itself
local p = {}; p.a = p
return { env = "envs/pendulum.lua", episodes = 1, params = p }
