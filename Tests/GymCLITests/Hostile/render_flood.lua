-- expect: check=1 run=0 train=0 eval=0 record=2 report=2 message=more than 5000 shapes in one frame
local env = { name = "Hostile", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2), max_steps = 20, state = {0} }
function env:reset(rng) self.state = {rng:uniform(-1, 1)}; return {self.state[1]} end
function env:step(action) return {0}, 1, false end
-- A million shapes a frame would be a recording of gigabytes: the canvas refuses at its cap.
function env:render(draw, last)
  for i = 1, 1000000 do draw:line(0, 0, i, i) end
end
return env
