--[[
Pendulum: swing a pendulum up and keep it upright (Gymnasium's Pendulum-v1).

A rod hangs from a frictionless pivot, one end fixed, starting at a random angle. A motor
applies torque at the pivot; it is too weak to lift the rod straight up, so the policy must
swing it. theta = 0 is upright, positive counter-clockwise.

Action space: Box(1), torque
  | # | action       | min  | max |
  | 1 | torque (N m) | -2.0 | 2.0 |   (clipped to the box)

Observation space: Box(3)
  | # | observation      | min  | max |
  | 1 | cos(theta)       | -1.0 | 1.0 |
  | 2 | sin(theta)       | -1.0 | 1.0 |
  | 3 | theta_dot, rad/s | -8.0 | 8.0 |
State (self.state): {theta, theta_dot}.

Reward: -(angle_normalize(theta)^2 + 0.1 theta_dot^2 + 0.001 torque^2), from about -16.27
  (upside down, fastest, full torque) to 0 (upright, still, no torque).
Start state: theta uniform in [-pi, pi], theta_dot uniform in [-1, 1].
Termination: never.
Truncation: after 200 steps (max_steps).
Solved: mean return -200 (reward_threshold; Gymnasium sets none, the RL Zoo's PPO reaches
  about -160).
Params (scenarios may change them): g = 10.0, m = 1.0, l = 1.0.

Parity with Gymnasium 1.4.0: same constants, semi-implicit Euler step, reward and start
distribution; trajectories match its recordings (Tests/EnvironmentsTests/Fixtures).
Version history:
  1 (gym 0.1): first version, as Gymnasium's Pendulum-v1.
    Since then only reward_threshold and the recommended train settings were added;
    the dynamics, spaces and reward are unchanged.
]]
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
    -- Off-policy (gym train --algorithm sac|td3|ddpg). SAC: 64x64 networks solve it in 10k steps
    -- on 5 of 5 seeds (the RL Zoo's 256x256 and 20k steps: add --hidden 256,256 --steps 20000).
    -- TD3 and DDPG: the RL Zoo's settings.
    sac = { steps = 10000, learning_rate = 1e-3, hidden = { 64, 64 } },
    td3 = { steps = 20000, gamma = 0.98, buffer_size = 200000, learning_starts = 10000, learning_rate = 1e-3,
            action_noise = 0.1 },
    ddpg = { steps = 20000, gamma = 0.98, buffer_size = 200000, learning_starts = 10000, learning_rate = 1e-3,
             action_noise = 0.1 },
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

-- The picture (Gymnasium's): the rod from the pivot, and the last torque as an arc around it
-- (counter-clockwise for positive torque), longer for more torque.
function env:render(draw, last)
  draw:viewport(-2.2, 2.2, -2.2, 2.2)
  local th, l = self.state[1], self.params.l
  local ex, ey = -l * sin(th), l * cos(th)
  local nx, ny = 0.1 * cos(th), 0.1 * sin(th)   -- half the rod's width, across it
  local rod = { fill = "#cc4d4d" }
  draw:polygon({ nx, ny, ex + nx, ey + ny, ex - nx, ey - ny, -nx, -ny }, rod)
  draw:circle(0, 0, 0.1, rod)
  draw:circle(ex, ey, 0.1, rod)
  draw:circle(0, 0, 0.05, { fill = "#000000" })
  local u = last.action and last.action[1] or 0
  if u ~= 0 then
    local span = math.abs(u) / max_torque * 1.5 * pi
    local dir = u > 0 and 1 or -1
    local start = pi / 2 + (u > 0 and -0.5 * span or 0.5 * span)
    local arc = {}
    for i = 0, 24 do
      local a = start + dir * span * i / 24
      arc[2 * i + 1], arc[2 * i + 2] = 0.5 * cos(a), 0.5 * sin(a)
    end
    draw:polyline(arc, { stroke = "#333333", width = 3 })
    local a = start + dir * span
    local px, py = arc[49], arc[50]
    local tx, ty = -dir * sin(a), dir * cos(a)   -- the arc's direction at its end
    draw:polygon({ px + 0.15 * tx, py + 0.15 * ty, px + 0.08 * cos(a), py + 0.08 * sin(a),
                   px - 0.08 * cos(a), py - 0.08 * sin(a) }, { fill = "#333333" })
  end
  draw:text(-2.1, 1.95, ("t = %d"):format(last.t), { fill = "#555555", size = 14 })
end

return env
