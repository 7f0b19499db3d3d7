-- expect: run=0 train=0 eval=0 message=none
local env = { name = "Hostile", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2), max_steps = math.maxinteger, state = {0} }
function env:reset(rng) return {0} end
function env:step(action) return {0}, 0, false end
return env
