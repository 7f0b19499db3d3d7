--[[
CartPole: balance a pole on a cart by pushing the cart left or right (Gymnasium's CartPole-v1).

A pole is hinged to a cart that moves along a frictionless track. The pole starts nearly
upright; the policy pushes the cart with a fixed force to one side or the other.

Action space: Discrete(2)
  | action | meaning                  |
  | 0      | push the cart to the left  |
  | 1      | push the cart to the right |

Observation space: Box(4) (the observation is the state, self.state)
  | # | observation             | min    | max   |
  | 1 | cart position (m)       | -4.8   | 4.8   |
  | 2 | cart velocity (m/s)     | -inf   | inf   |
  | 3 | pole angle (rad)        | -0.419 | 0.419 |   (24 degrees)
  | 4 | pole angular velocity   | -inf   | inf   |
The episode terminates well inside these bounds (see Termination).

Reward: +1 for every step, the terminating one included.
Start state: all four values uniform in [-0.05, 0.05].
Termination: the pole leans more than 12 degrees, or the cart leaves [-2.4, 2.4].
Truncation: after 500 steps (max_steps).
Solved: mean return 475 (reward_threshold, as Gymnasium).
Params (scenarios may change them): gravity = 9.8, masscart = 1.0, masspole = 0.1,
  length = 0.5 (half the pole), force_mag = 10.0, tau = 0.02 (seconds per step).

Parity with Gymnasium 1.4.0: same constants, Euler integrator, termination and reward;
trajectories match its recordings (Tests/EnvironmentsTests/Fixtures).
Version history:
  1 (gym 0.1): first version, as Gymnasium's CartPole-v1.
    Since then only reward_threshold and the recommended train settings were added;
    the dynamics, spaces and reward are unchanged.
]]
local sin, cos, pi = math.sin, math.cos, math.pi

local theta_threshold = 12 * 2 * pi / 360
local x_threshold = 2.4

local env = {
  name = "CartPole",
  observation_space = gym.box({-x_threshold * 2, -math.huge, -theta_threshold * 2, -math.huge},
                              {x_threshold * 2, math.huge, theta_threshold * 2, math.huge}),
  action_space = gym.discrete(2),
  max_steps = 500,
  reward_threshold = 475,       -- Gymnasium: solved at a mean return of 475
  params = {
    gravity = 9.8, masscart = 1.0, masspole = 0.1,
    length = 0.5,        -- half the pole's length
    force_mag = 10.0, tau = 0.02,
  },
  -- The RL Zoo's PPO settings, linear schedules included (lin_1e-3, lin_0.2): 10 of 10 seeds
  -- reach 475 in 100k steps (docs/training.md).
  train = {
    envs = 8, steps = 100000, n_steps = 32, batch_size = 256, epochs = 20,
    learning_rate = 1e-3, gamma = 0.98, gae_lambda = 0.8, clip_range = 0.2, ent_coef = 0.0,
    anneal_lr = true, anneal_clip_range = true,
  },
  state = { 0.0, 0.0, 0.0, 0.0 },
  obs = { 0.0, 0.0, 0.0, 0.0 },
}

function env:reset(rng)
  self.state = { rng:uniform(-0.05, 0.05), rng:uniform(-0.05, 0.05),
                 rng:uniform(-0.05, 0.05), rng:uniform(-0.05, 0.05) }
  return self:observe()
end

function env:observe()
  local s, obs = self.state, self.obs
  obs[1], obs[2], obs[3], obs[4] = s[1], s[2], s[3], s[4]
  return obs
end

function env:step(action)
  local s, p = self.state, self.params
  local x, x_dot, theta, theta_dot = s[1], s[2], s[3], s[4]
  local total_mass = p.masspole + p.masscart
  local polemass_length = p.masspole * p.length
  local force = action == 1 and p.force_mag or -p.force_mag
  local costheta, sintheta = cos(theta), sin(theta)
  local temp = (force + polemass_length * theta_dot ^ 2 * sintheta) / total_mass
  local thetaacc = (p.gravity * sintheta - costheta * temp)
    / (p.length * (4.0 / 3.0 - p.masspole * costheta ^ 2 / total_mass))
  local xacc = temp - polemass_length * thetaacc * costheta / total_mass
  x = x + p.tau * x_dot
  x_dot = x_dot + p.tau * xacc
  theta = theta + p.tau * theta_dot
  theta_dot = theta_dot + p.tau * thetaacc
  s[1], s[2], s[3], s[4] = x, x_dot, theta, theta_dot
  local terminated = x < -x_threshold or x > x_threshold
    or theta < -theta_threshold or theta > theta_threshold
  -- Gymnasium gives 1 on every step, the terminating one included.
  return self:observe(), 1.0, terminated
end

-- The picture (Gymnasium's): the track, the cart and the pole on its axle.
function env:render(draw, last)
  draw:viewport(-x_threshold, x_threshold, -0.8, 2.4)
  local x, th = self.state[1], self.state[3]
  local pole_length = 2 * self.params.length
  draw:line(-x_threshold, 0, x_threshold, 0, { stroke = "#000000", width = 1 })
  draw:rect(x - 0.2, -0.12, 0.4, 0.24, { fill = "#000000" })
  local ax, ay = x, 0.06
  local tx, ty = ax + pole_length * sin(th), ay + pole_length * cos(th)
  local nx, ny = 0.04 * cos(th), -0.04 * sin(th)   -- half the pole's width, across it
  draw:polygon({ ax + nx, ay + ny, tx + nx, ty + ny, tx - nx, ty - ny, ax - nx, ay - ny }, { fill = "#ca9865" })
  draw:circle(ax, ay, 0.04, { fill = "#8184cb" })
  draw:text(-2.3, 2.2, ("t = %d"):format(last.t), { fill = "#555555", size = 14 })
end

return env
