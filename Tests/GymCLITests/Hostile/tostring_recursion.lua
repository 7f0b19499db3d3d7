-- expect: check=1 run=1 eval=2 train=1 message=stack overflow
local env = { name = "Hostile", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2), max_steps = 50, state = {0} }
local t = setmetatable({}, {})
getmetatable(t).__tostring = function(x) return tostring(x) end
function env:reset(rng) return {tostring(t)} end
function env:step(action) return {0}, 0, false end
return env
