-- expect: eval=1 message=none junit=valid
-- A quote, < or & followed by a combining mark is one Character: escaping by Character let it
-- through, and the JUnit report was not well-formed XML.
return { env = "envs/pendulum.lua", episodes = 1, max_steps = 5, name = "evil\"\u{301} <\u{301}b> &\u{20DD}",
         on_step = function(env, ctx) ctx:fail("bad\"\u{301} <\u{301}b> &\u{20DD}") end }
