-- expect: check=1 run=1 eval=2 train=1 message=a __gc finalizer is not available
local env = { name = "Hostile", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2), max_steps = 50, state = {0} }
function env:reset(rng) return {0} end
function env:step(action)
  for i = 1, 20 do setmetatable({}, {__gc = function() local s = string.rep("x", 100 << 20) end}) end
  return {0}, 0, false
end
return env
