-- expect: train=1 eval=0 message=non-finite reward
local env = { name = "Hostile", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2), max_steps = 50, state = {0} }
function env:reset(rng) return {0} end
function env:step(action)
  self.state[1] = self.state[1] + 1
  if self.state[1] == 1501 then return {0}, 0/0, false end
  return {0}, 1, false
end
return env
