-- expect: eval=2 message=is a scenario for envs/cartpole.lua
return { env = 'envs/cartpole.lua', episodes = 1 }
