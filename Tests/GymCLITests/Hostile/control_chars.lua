-- expect: check=1 run=1 eval=2 train=1 message=\u{1B}[2J
local env = { name = "Hostile\27[31m", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2), max_steps = 50, state = {0} }
function env:reset(rng) error("\27[2J\27]0;pwned\7 screen wiped") end
function env:step(action) return {0}, 0, false end
return env
