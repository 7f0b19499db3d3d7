-- expect: check=1 run=1 eval=2 train=1 message=time limit exceeded
local env = { name = "Hostile", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2), max_steps = 50, state = {0} }
function env:reset(rng) return {0} end
function env:step(action) local s = string.rep("a", 420); s:find(".-.-.-b"); return {0}, 0, false end
return env
