-- expect: check=1 run=0 train=0 eval=0 record=2 report=2 message=memory limit exceeded
local env = { name = "Hostile", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2), max_steps = 20, state = {0} }
function env:reset(rng) self.state = {rng:uniform(-1, 1)}; return {self.state[1]} end
function env:step(action) return {0}, 1, false end
-- A render that hoards memory: the state's heap cap applies to it too.
function env:render(draw, last)
  local hoard, block = {}, ("x"):rep(1000)
  for i = 1, 1e9 do hoard[i] = block .. i end
end
return env
