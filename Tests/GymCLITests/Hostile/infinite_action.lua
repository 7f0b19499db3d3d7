-- expect: check=1 run=1 eval=2 train=1 message=action bounds must be finite
local env = { name = "Hostile", observation_space = gym.box({-1}, {1}), action_space = gym.box({-math.huge}, {1}), max_steps = 50, state = {0} }
function env:reset(rng) return {0} end
function env:step(action) return {0}, 0, false end
return env
