-- expect: check=1 run=1 eval=2 train=1 message=stack overflow
local env = { name = "Hostile", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2), max_steps = 50, state = {0} }
local function deeper(n) return deeper(n + 1) + 1 end
function env:reset(rng) return {deeper(0)} end
function env:step(action) return {0}, 0, false end
return env
