--[[
MountainCarContinuous: drive an underpowered car up a hill (Gymnasium's
MountainCarContinuous-v0).

A car sits in a valley between two hills. Its engine cannot climb the right hill directly:
the policy must rock it back and forth to build momentum, while every unit of force costs.

Action space: Box(1)
  | # | action                 | min  | max |
  | 1 | force on the car       | -1.0 | 1.0 |   (clipped to the box)

Observation space: Box(2) (the observation is the state, self.state)
  | # | observation | min   | max  |
  | 1 | position    | -1.2  | 0.6  |
  | 2 | velocity    | -0.07 | 0.07 |

Reward: -0.1 force^2 on every step, plus 100 on reaching the goal.
Start state: position uniform in [-0.6, -0.4], velocity 0.
Termination: position >= 0.45 (goal_position) with velocity >= 0 (goal_velocity).
Truncation: after 999 steps (max_steps).
Solved: mean return 90 (reward_threshold, as Gymnasium).
Params (scenarios may change them): power = 0.0015, goal_position = 0.45, goal_velocity = 0.0.

Parity with Gymnasium 1.4.0: same constants, dynamics, reward and start distribution.
Gymnasium stores the state in float32 after every step, and gym.float32 reproduces that
rounding; its other float32 arithmetic depends on NumPy's promotion rules and the action's
dtype, and we compute in double (docs/environments.md, parity).
Version history:
  1 (gym 0.1): first version, as Gymnasium's MountainCarContinuous-v0.
    Since then only reward_threshold and the recommended train settings were added;
    the dynamics, spaces and reward are unchanged.
]]
local cos, min, max = math.cos, math.min, math.max
local f32 = gym.float32

local min_position, max_position, max_speed = -1.2, 0.6, 0.07

local env = {
  name = "MountainCarContinuous",
  observation_space = gym.box({f32(min_position), f32(-max_speed)}, {f32(max_position), f32(max_speed)}),
  action_space = gym.box({-1.0}, {1.0}),
  max_steps = 999,
  reward_threshold = 90,        -- Gymnasium: solved at a mean return of 90
  params = { power = 0.0015, goal_position = 0.45, goal_velocity = 0.0 },
  -- Plain Gaussian exploration is enough once observations are normalized (without it, 0 of 5
  -- seeds reach 90): long rollouts, gamma 0.999, a wider start (log std 0.5), a small entropy
  -- bonus and reward scaling. Solves in 30k steps on 5 of 5 seeds (docs/training.md).
  train = {
    envs = 8, steps = 30000, n_steps = 512, batch_size = 256, epochs = 10,
    learning_rate = 3e-4, gamma = 0.999, gae_lambda = 0.95, clip_range = 0.2, ent_coef = 0.01,
    log_std_init = 0.5, normalize_observations = true, normalize_reward = true,
    -- SAC (gym train --algorithm sac): the RL Zoo's settings, with exploration noise correlated
    -- over about a hundred steps where the Zoo uses gSDE; independent noise never finds the
    -- flag. 25k steps: 5 of 5 seeds (docs/training.md).
    sac = { steps = 25000, hidden = { 64, 64 }, learning_rate = 3e-4, buffer_size = 50000, batch_size = 512,
            auto_ent_coef = false, ent_coef_init = 0.1, train_freq = 32, gradient_steps = 32, gamma = 0.9999,
            tau = 0.01, learning_starts = 0, noise_correlation = 0.99 },
  },
  state = { 0.0, 0.0 },
  obs = { 0.0, 0.0 },
}

function env:reset(rng)
  self.state = { rng:uniform(-0.6, -0.4), 0.0 }
  return self:observe()
end

function env:observe()
  local obs = self.obs
  obs[1], obs[2] = f32(self.state[1]), f32(self.state[2])
  return obs
end

function env:step(action)
  local s, p = self.state, self.params
  local position, velocity = s[1], s[2]
  local force = min(max(action[1], -1.0), 1.0)
  velocity = velocity + (force * p.power - 0.0025 * cos(3 * position))
  if velocity > max_speed then velocity = max_speed end
  if velocity < -max_speed then velocity = -max_speed end
  position = position + velocity
  if position > max_position then position = max_position end
  if position < min_position then position = min_position end
  if position == min_position and velocity < 0 then velocity = 0.0 end
  local terminated = position >= p.goal_position and velocity >= p.goal_velocity
  local reward = terminated and 100.0 or 0.0
  reward = reward - action[1] ^ 2 * 0.1
  s[1], s[2] = f32(position), f32(velocity)
  return self:observe(), reward, terminated
end

-- The picture (Gymnasium's): the hill, the car on it, tilted with the slope, and the flag.
local function height(x) return math.sin(3 * x) * 0.45 + 0.55 end
function env:render(draw, last)
  draw:viewport(min_position, max_position, 0, 1.2)
  local hill = {}
  for i = 0, 100 do
    local x = min_position + (max_position - min_position) * i / 100
    hill[2 * i + 1], hill[2 * i + 2] = x, height(x)
  end
  draw:polyline(hill, { stroke = "#000000", width = 2 })
  local goal = self.params.goal_position
  local gy = height(goal)
  draw:line(goal, gy, goal, gy + 0.15, { stroke = "#000000", width = 2 })
  draw:polygon({ goal, gy + 0.15, goal, gy + 0.12, goal + 0.075, gy + 0.135 }, { fill = "#cccc00" })
  local pos = self.state[1]
  local angle = math.atan(math.cos(3 * pos) * 0.45 * 3)
  local c, s = math.cos(angle), math.sin(angle)
  local function at(u, v)   -- car coordinates (along, up) to world
    local bx, by = pos, height(pos)
    return bx + u * c - v * s, by + u * s + v * c
  end
  local x1, y1 = at(-0.06, 0.03); local x2, y2 = at(0.06, 0.03)
  local x3, y3 = at(0.06, 0.09); local x4, y4 = at(-0.06, 0.09)
  draw:polygon({ x1, y1, x2, y2, x3, y3, x4, y4 }, { fill = "#000000" })
  local wx, wy = at(0.04, 0.03); draw:circle(wx, wy, 0.018, { fill = "#808080" })
  wx, wy = at(-0.04, 0.03); draw:circle(wx, wy, 0.018, { fill = "#808080" })
  draw:text(-1.15, 1.12, ("t = %d"):format(last.t), { fill = "#555555", size = 14 })
end

return env
