-- expect: check=1 run=1 eval=2 train=1 message=memory limit exceeded
local env = { name = "Hostile", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2), max_steps = 50, state = {0} }
local hoard = {}
local page = string.rep("m", 4096)  -- made once: string.rep copies byte by byte
function env:reset(rng) return {0} end
function env:step(action)
  for i = 1, 1e9 do hoard[#hoard + 1] = page .. i end
  return {0}, 0, false
end
return env
