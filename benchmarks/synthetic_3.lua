--[[
Synthetic-3: a cheap linear system with 3 observations, for timing training at scale
(scripts/bench-scaling). Not a task worth learning: the network's cost is what is measured.

Action space: Box(1) in [-1, 1]. Observation space: Box(3) in [-10, 10].
Each step every state value decays toward the action: x = 0.9 x + 0.1 a. Reward: -x[1]^2.
Start state: uniform in [-1, 1]. Termination: never. Truncation: after 200 steps.
]]
local size = 3

local low, high = {}, {}
for i = 1, size do low[i], high[i] = -10, 10 end

local env = {
  name = "Synthetic-3",
  observation_space = gym.box(low, high),
  action_space = gym.box({-1}, {1}),
  max_steps = 200,
  state = {},
  obs = {},
}

function env:reset(rng)
  for i = 1, size do self.state[i] = rng:uniform(-1, 1) end
  return self:observe()
end

function env:observe()
  local obs, state = self.obs, self.state
  for i = 1, size do obs[i] = state[i] end
  return obs
end

function env:step(action)
  local a, state = action[1], self.state
  if a < -1 then a = -1 elseif a > 1 then a = 1 end
  for i = 1, size do state[i] = 0.9 * state[i] + 0.1 * a end
  return self:observe(), -state[1] * state[1], false
end

return env
