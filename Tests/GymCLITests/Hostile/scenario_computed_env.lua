-- expect: eval=2 message=is a scenario for envs/cartpole.lua
local base = "envs/"
return { episodes = 1, env = base .. "cart" .. "pole.lua" }
