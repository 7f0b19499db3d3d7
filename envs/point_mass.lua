--[[
PointMass: push a puck across a table to a target and hold it there (gym's own, no Gymnasium
counterpart).

A puck slides on a square table with friction. The policy pushes it in two dimensions toward
a target that moves to a new random place every episode; the puck must arrive and stay.

Action space: Box(2)
  | # | action            | min  | max |
  | 1 | force along x     | -1.0 | 1.0 |   (clipped to the box)
  | 2 | force along y     | -1.0 | 1.0 |

Observation space: Box(6)
  | # | observation       | min  | max |
  | 1 | puck x            | -1.0 | 1.0 |
  | 2 | puck y            | -1.0 | 1.0 |
  | 3 | velocity x        | -2.0 | 2.0 |
  | 4 | velocity y        | -2.0 | 2.0 |
  | 5 | target x          | -0.8 | 0.8 |
  | 6 | target y          | -0.8 | 0.8 |

Reward: minus the distance to the target on every step, minus 0.05 |force|^2.
Start state: puck uniform on the table at rest; target uniform in [-0.8, 0.8]^2.
Termination: never.
Truncation: after 100 steps (max_steps).
Solved: mean return -15 (reward_threshold: a puck that reaches the target in about a second
  and holds it; uniformly random forces score about -95).
Params (scenarios may change them): mass = 1.0, friction = 2.0, max_force = 4.0.

Dynamics: semi-implicit Euler with dt = 0.05: velocity += (force * max_force / mass -
friction * velocity) * dt, clipped to +-2; position += velocity * dt; the table's edges stop
the puck (its velocity across the edge becomes 0).
Version history:
  1 (gym 0.3): first version. Written for the off-policy algorithms: settings were not tuned
    on it (docs/training.md, off-policy learning).
]]
local sqrt, min, max = math.sqrt, math.min, math.max

local dt, max_speed = 0.05, 2.0

local env = {
  name = "PointMass",
  observation_space = gym.box({-1, -1, -max_speed, -max_speed, -0.8, -0.8}, {1, 1, max_speed, max_speed, 0.8, 0.8}),
  action_space = gym.box({-1, -1}, {1, 1}),
  max_steps = 100,
  reward_threshold = -15,
  params = { mass = 1.0, friction = 2.0, max_force = 4.0 },
  -- Only a step count for SAC: its own defaults were not tuned here. 10k steps reach about -12.
  train = { sac = { steps = 10000 } },
  state = { 0.0, 0.0, 0.0, 0.0, 0.0, 0.0 },
  obs = { 0.0, 0.0, 0.0, 0.0, 0.0, 0.0 },
}

function env:reset(rng)
  self.state = { rng:uniform(-1, 1), rng:uniform(-1, 1), 0.0, 0.0, rng:uniform(-0.8, 0.8), rng:uniform(-0.8, 0.8) }
  return self:observe()
end

function env:observe()
  local obs, s = self.obs, self.state
  for i = 1, 6 do obs[i] = s[i] end
  return obs
end

local function clip(x, low, high) return min(max(x, low), high) end

function env:step(action)
  local s, p = self.state, self.params
  local fx, fy = clip(action[1], -1, 1), clip(action[2], -1, 1)
  local vx = clip(s[3] + (fx * p.max_force / p.mass - p.friction * s[3]) * dt, -max_speed, max_speed)
  local vy = clip(s[4] + (fy * p.max_force / p.mass - p.friction * s[4]) * dt, -max_speed, max_speed)
  local x, y = s[1] + vx * dt, s[2] + vy * dt
  if x < -1 or x > 1 then x, vx = clip(x, -1, 1), 0.0 end
  if y < -1 or y > 1 then y, vy = clip(y, -1, 1), 0.0 end
  s[1], s[2], s[3], s[4] = x, y, vx, vy
  local dx, dy = x - s[5], y - s[6]
  local reward = -sqrt(dx * dx + dy * dy) - 0.05 * (fx * fx + fy * fy)
  return self:observe(), reward, false
end

-- The picture: the table, the target ring and the puck, with the last force as an arrow.
function env:render(draw, last)
  local s = self.state
  draw:viewport(-1.1, 1.1, -1.1, 1.1)
  draw:polygon({ -1, -1, 1, -1, 1, 1, -1, 1 }, { fill = "#f4f1e8", stroke = "#666666", width = 2 })
  draw:circle(s[5], s[6], 0.08, { stroke = "#cc3333", width = 3 })
  draw:circle(s[1], s[2], 0.05, { fill = "#2255aa" })
  local a = last.action
  if a then draw:line(s[1], s[2], s[1] + 0.2 * a[1], s[2] + 0.2 * a[2], { stroke = "#2255aa", width = 2 }) end
  draw:text(-1.05, 1.02, ("t = %d"):format(last.t), { fill = "#555555", size = 14 })
end

return env
