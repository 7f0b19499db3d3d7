-- expect: check=1 run=0 train=0 eval=0 record=2 report=2 message=time limit exceeded
local env = { name = "Hostile", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2), max_steps = 20, state = {0} }
function env:reset(rng) self.state = {rng:uniform(-1, 1)}; return {self.state[1]} end
function env:step(action) return {0}, 1, false end
-- A render that never returns: the time limit ends it, the recording is not written.
function env:render(draw, last)
  while true do draw:viewport(0, 1, 0, 1) end
end
return env
