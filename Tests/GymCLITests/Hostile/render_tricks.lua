-- expect: check=1 run=0 train=0 eval=0 record=2 report=2 message=must be a finite number
local env = { name = "Hostile", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2), max_steps = 20, state = {0} }
function env:reset(rng) self.state = {rng:uniform(-1, 1)}; return {self.state[1]} end
function env:step(action) return {0}, 1, false end
-- Tries to fool the canvas: a numeric string, a table with a __tostring, replaced methods,
-- a hidden metatable, then a NaN. Only the NaN is an error; it names this line.
function env:render(draw, last)
  pcall(draw.line, draw, "1", 0, 1, 1)
  pcall(draw.circle, draw, 0, 0, setmetatable({}, { __tostring = function() return "2" end }))
  pcall(setmetatable, draw, {})
  local ok = pcall(getmetatable, draw)
  draw.text = function() error("replaced") end
  draw:circle(0, 0, 0 / 0)
end
return env
