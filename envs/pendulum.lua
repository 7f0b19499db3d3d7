-- Pendulum-v1 (Gymnasium classic control): swing a pendulum up and keep it upright.
-- Same constants, semi-implicit Euler step, reward and start distribution as Gymnasium.
-- State: {theta, theta_dot}; theta = 0 is upright. Observation: {cos theta, sin theta, theta_dot}.
local sin, cos, pi = math.sin, math.cos, math.pi

local max_speed, max_torque, dt = 8.0, 2.0, 0.05

local env = {
  name = "Pendulum",
  observation_space = gym.box({-1, -1, -max_speed}, {1, 1, max_speed}),
  action_space = gym.box({-max_torque}, {max_torque}),   -- torque
  max_steps = 200,
  reward_threshold = -200,      -- Gymnasium sets none; RL Zoo PPO reaches about -160
  params = { g = 10.0, m = 1.0, l = 1.0 },
  -- The RL Zoo's PPO settings (without its gSDE), with 15 epochs instead of 10 and an annealed
  -- learning rate: 9 of 10 seeds reach -200 in 100k steps (docs/training.md).
  train = {
    envs = 4, steps = 100000, n_steps = 1024, batch_size = 64, epochs = 15,
    learning_rate = 1e-3, gamma = 0.9, gae_lambda = 0.95, clip_range = 0.2, ent_coef = 0.0,
    anneal_lr = true,
  },
  state = { 0.0, 0.0 },
  obs = { 1.0, 0.0, 0.0 },  -- reused: the host copies the observation out at once
}

-- Python's ((x + pi) % (2 pi)) - pi: Lua's % on floats is also floored.
local function angle_normalize(x)
  return ((x + pi) % (2 * pi)) - pi
end

local function clip(x, low, high)
  if x < low then return low elseif x > high then return high end
  return x
end

function env:reset(rng)
  self.state = { rng:uniform(-pi, pi), rng:uniform(-1.0, 1.0) }
  return self:observe()
end

function env:observe()
  local th, thdot = self.state[1], self.state[2]
  local obs = self.obs
  obs[1], obs[2], obs[3] = cos(th), sin(th), thdot
  return obs
end

function env:step(action)
  local state, p = self.state, self.params
  local th, thdot = state[1], state[2]
  local g, m, l = p.g, p.m, p.l
  local u = clip(action[1], -max_torque, max_torque)
  local costs = angle_normalize(th) ^ 2 + 0.1 * thdot ^ 2 + 0.001 * (u ^ 2)
  local newthdot = thdot + (3 * g / (2 * l) * sin(th) + 3.0 / (m * l ^ 2) * u) * dt
  newthdot = clip(newthdot, -max_speed, max_speed)
  state[1], state[2] = th + newthdot * dt, newthdot
  return self:observe(), -costs, false
end

return env
