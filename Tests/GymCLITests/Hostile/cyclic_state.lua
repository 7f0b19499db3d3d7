-- expect: check=1 train=1 eval=0 message=contains itself
local env = { name = "Hostile", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2), max_steps = 50 }
function env:reset(rng) local s = {}; s[1] = s; self.state = s; return {0} end
function env:step(action) return {0}, 0, false end
return env
