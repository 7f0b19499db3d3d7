/// The Lua half of `env:render(draw, last)`: one frame's call, which runs the env's render on
/// the `draw` object (its methods are C functions in shim.h that check their arguments and fill
/// a flat buffer) and then puts back `env.state`'s values, so a render cannot change the
/// episode (the host puts back the env's generator). On an error the recording stops, so
/// nothing needs putting back.
enum RenderPrelude {
    static let source = #"""
    return function(render, env, draw, last)
      local state = env.state
      local backup
      if type(state) == "table" then
        backup = {}
        for k, v in next, state do backup[k] = v end
      end
      render(env, draw, last)
      if backup then
        for k in next, state do state[k] = nil end
        for k, v in next, backup do state[k] = v end
      end
      rawset(env, "state", state)
    end
    """#
}
