-- expect: check=1 run=1 eval=2 train=1 message=more than 100000 values
local t = {1}
for _ = 1, 25 do t = {a = t, b = t} end
local env = { name = "Hostile", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2), max_steps = 50, state = {0}, train = t }
function env:reset(rng) return {0} end
function env:step(action) return {0}, 0, false end
return env
