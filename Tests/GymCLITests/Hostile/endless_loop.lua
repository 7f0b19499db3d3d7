-- expect: check=1 run=1 eval=2 train=1 message=time limit exceeded
local env = { name = "Hostile", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2), max_steps = 50, state = {0} }
function env:reset(rng) while true do pcall(function() while true do end end) end end
function env:step(action) return {0}, 0, false end
return env
