-- expect: check=1 run=1 eval=2 train=1 message=is not available to gym scripts
local env = { name = "Hostile", observation_space = gym.box({-1}, {1}), action_space = gym.discrete(2), max_steps = 50, state = {0} }
function env:reset(rng)
  local ok = pcall(function() return io.open("/etc/passwd") end)
  local f = load("return os.execute('touch /tmp/gym-pwned')")
  return {f()}
end
function env:step(action) return {0}, 0, false end
return env
