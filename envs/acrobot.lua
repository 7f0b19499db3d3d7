--[[
Acrobot: swing the tip of a two-link chain above a line (Gymnasium's Acrobot-v1).

Two links hang in a chain from a fixed joint. Only the joint between the links is actuated.
Starting hanging down, the policy must swing the free end above the height of one link over
the fixed joint, as fast as it can.

Action space: Discrete(3), torque on the joint between the links
  | action | torque |
  | 0      | -1     |
  | 1      | 0      |
  | 2      | +1     |

Observation space: Box(6)
  | # | observation                        | min   | max  |
  | 1 | cos(theta1)                        | -1    | 1    |
  | 2 | sin(theta1)                        | -1    | 1    |
  | 3 | cos(theta2)                        | -1    | 1    |
  | 4 | sin(theta2)                        | -1    | 1    |
  | 5 | dtheta1, angular velocity of link 1 | -4 pi | 4 pi |
  | 6 | dtheta2, angular velocity of link 2 | -9 pi | 9 pi |
theta1 is the first link's angle from straight down, theta2 the second link's angle relative
to the first. State (self.state): {theta1, theta2, dtheta1, dtheta2}.

Reward: -1 for every step that does not reach the goal, 0 for the one that does.
Start state: all four state values uniform in [-0.1, 0.1] (rounded to float32).
Termination: -cos(theta1) - cos(theta1 + theta2) > 1 (the tip above the line).
Truncation: after 500 steps (max_steps).
Solved: mean return -100 (reward_threshold, as Gymnasium).
Params (scenarios may change them): dt = 0.2, link_length_1 = 1.0, link_mass_1 = 1.0,
  link_mass_2 = 1.0, link_com_pos_1 = 0.5, link_com_pos_2 = 0.5, link_moi = 1.0, g = 9.8.

Parity with Gymnasium 1.4.0: same constants, "book" dynamics, RK4 integrator, angle wrapping,
reward and start distribution (whose float32 rounding gym.float32 reproduces); trajectories
match its recordings (Tests/EnvironmentsTests/Fixtures).
Version history:
  1 (gym 0.1): first version, as Gymnasium's Acrobot-v1.
    Since then only reward_threshold and the recommended train settings were added;
    the dynamics, spaces and reward are unchanged.
]]
local sin, cos, pi = math.sin, math.cos, math.pi
local f32 = gym.float32

local max_vel_1, max_vel_2 = 4 * pi, 9 * pi
local torques = { [0] = -1.0, [1] = 0.0, [2] = 1.0 }

local env = {
  name = "Acrobot",
  observation_space = gym.box({-1, -1, -1, -1, -max_vel_1, -max_vel_2},
                              {1, 1, 1, 1, max_vel_1, max_vel_2}),
  action_space = gym.discrete(3),
  max_steps = 500,
  reward_threshold = -100,      -- Gymnasium: solved at a mean return of -100
  params = {
    dt = 0.2, link_length_1 = 1.0, link_mass_1 = 1.0, link_mass_2 = 1.0,
    link_com_pos_1 = 0.5, link_com_pos_2 = 0.5, link_moi = 1.0, g = 9.8,
  },
  -- Close to the RL Zoo's PPO settings (16 envs, n_steps 256, 4 epochs, lambda 0.94,
  -- normalized observations); solves in 200k steps on 5 of 5 seeds (docs/training.md).
  train = {
    envs = 16, steps = 200000, n_steps = 256, batch_size = 64, epochs = 4,
    learning_rate = 3e-4, gamma = 0.99, gae_lambda = 0.94, clip_range = 0.2, ent_coef = 0.0,
    normalize_observations = true,
  },
  state = { 0.0, 0.0, 0.0, 0.0 },
  obs = { 1.0, 0.0, 1.0, 0.0, 0.0, 0.0 },
}

-- Time derivative of (theta1, theta2, dtheta1, dtheta2) under torque a (Gymnasium's _dsdt).
local function dsdt(p, a, theta1, theta2, dtheta1, dtheta2)
  local m1, m2, l1 = p.link_mass_1, p.link_mass_2, p.link_length_1
  local lc1, lc2, I1, I2, g = p.link_com_pos_1, p.link_com_pos_2, p.link_moi, p.link_moi, p.g
  local d1 = m1 * lc1 ^ 2 + m2 * (l1 ^ 2 + lc2 ^ 2 + 2 * l1 * lc2 * cos(theta2)) + I1 + I2
  local d2 = m2 * (lc2 ^ 2 + l1 * lc2 * cos(theta2)) + I2
  local phi2 = m2 * lc2 * g * cos(theta1 + theta2 - pi / 2.0)
  local phi1 = -m2 * l1 * lc2 * dtheta2 ^ 2 * sin(theta2)
    - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin(theta2)
    + (m1 * lc1 + m2 * l1) * g * cos(theta1 - pi / 2)
    + phi2
  local ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1 ^ 2 * sin(theta2) - phi2)
    / (m2 * lc2 ^ 2 + I2 - d2 ^ 2 / d1)
  local ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
  return dtheta1, dtheta2, ddtheta1, ddtheta2
end

local function wrap(x, m, M)
  local diff = M - m
  while x > M do x = x - diff end
  while x < m do x = x + diff end
  return x
end

local function bound(x, m, M)
  return math.min(math.max(x, m), M)
end

function env:reset(rng)
  self.state = { f32(rng:uniform(-0.1, 0.1)), f32(rng:uniform(-0.1, 0.1)),
                 f32(rng:uniform(-0.1, 0.1)), f32(rng:uniform(-0.1, 0.1)) }
  return self:observe()
end

function env:observe()
  local s, obs = self.state, self.obs
  obs[1], obs[2], obs[3], obs[4] = cos(s[1]), sin(s[1]), cos(s[2]), sin(s[2])
  obs[5], obs[6] = s[3], s[4]
  return obs
end

function env:step(action)
  local s, p = self.state, self.params
  local a = torques[action]
  local dt = p.dt
  local dt2 = dt / 2.0
  local y1, y2, y3, y4 = s[1], s[2], s[3], s[4]
  -- One RK4 step over [0, dt], written out as Gymnasium's rk4 computes it.
  local k1a, k1b, k1c, k1d = dsdt(p, a, y1, y2, y3, y4)
  local k2a, k2b, k2c, k2d = dsdt(p, a, y1 + dt2 * k1a, y2 + dt2 * k1b, y3 + dt2 * k1c, y4 + dt2 * k1d)
  local k3a, k3b, k3c, k3d = dsdt(p, a, y1 + dt2 * k2a, y2 + dt2 * k2b, y3 + dt2 * k2c, y4 + dt2 * k2d)
  local k4a, k4b, k4c, k4d = dsdt(p, a, y1 + dt * k3a, y2 + dt * k3b, y3 + dt * k3c, y4 + dt * k3d)
  local h = dt / 6.0
  local n1 = y1 + h * (k1a + 2 * k2a + 2 * k3a + k4a)
  local n2 = y2 + h * (k1b + 2 * k2b + 2 * k3b + k4b)
  local n3 = y3 + h * (k1c + 2 * k2c + 2 * k3c + k4c)
  local n4 = y4 + h * (k1d + 2 * k2d + 2 * k3d + k4d)
  s[1] = wrap(n1, -pi, pi)
  s[2] = wrap(n2, -pi, pi)
  s[3] = bound(n3, -max_vel_1, max_vel_1)
  s[4] = bound(n4, -max_vel_2, max_vel_2)
  local terminated = -cos(s[1]) - cos(s[2] + s[1]) > 1.0
  return self:observe(), terminated and 0.0 or -1.0, terminated
end

-- The picture (Gymnasium's): two links hanging from the pivot, and the line the tip must rise
-- above.
function env:render(draw, last)
  draw:viewport(-2.2, 2.2, -2.2, 2.2)
  local l1, l2 = self.params.link_length_1, 1.0
  local t1, t2 = self.state[1], self.state[2]
  local x1, y1 = l1 * sin(t1), -l1 * cos(t1)
  local x2, y2 = x1 + l2 * sin(t1 + t2), y1 - l2 * cos(t1 + t2)
  draw:line(-2.2, 1, 2.2, 1, { stroke = "#000000", width = 1 })
  local function link(ax, ay, bx, by)
    local dx, dy = bx - ax, by - ay
    local n = math.sqrt(dx * dx + dy * dy)
    local nx, ny = -dy / n * 0.1, dx / n * 0.1
    draw:polygon({ ax + nx, ay + ny, bx + nx, by + ny, bx - nx, by - ny, ax - nx, ay - ny }, { fill = "#00cccc" })
    draw:circle(ax, ay, 0.1, { fill = "#cccc00" })
  end
  link(0, 0, x1, y1)
  link(x1, y1, x2, y2)
  draw:text(-2.1, 1.95, ("t = %d"):format(last.t), { fill = "#555555", size = 14 })
end

return env
