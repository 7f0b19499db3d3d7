-- expect: eval=2 message=a __gc finalizer is not available
setmetatable({}, {__gc = function() while true do end end})
return { env = "envs/pendulum.lua", episodes = 1 }
