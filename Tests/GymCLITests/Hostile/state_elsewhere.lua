-- expect: check=1 eval=0 message=keeps changing state elsewhere
local env = { name = "Hostile", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2), max_steps = 50, state = {0}, x = 0 }
function env:reset(rng) self.x = 0; return {0} end
function env:step(action) self.x = self.x + 0.01; return {self.x}, 0, false end
return env
