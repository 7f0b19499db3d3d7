/// Resource limits for one Lua state: scripts are untrusted code.
public struct LuaLimits: Sendable, Equatable {
    /// Bytes the script's heap may reach while script code runs; 0 means no cap.
    public var memoryBytes: Int
    /// Lua VM instructions (and pattern-matching steps) one host call into the script may
    /// execute; 0 means no budget.
    public var instructionsPerCall: Int
    /// Seconds one host call into the script may run, counted in the calling thread's CPU time
    /// (waiting for a core is not running); 0 means no limit. By default this is what stops a
    /// runaway script; with a budget it also stops work the budget does not count (a slow
    /// garbage collection, a huge table operation).
    public var secondsPerCall: Double
    /// Test hook: the Nth allocation made by script code (loading included) fails, as if memory
    /// ran out; 0, the default, never. See `LuaState.failAllocation(after:)`.
    public var failingAllocation = 0

    public init(memoryBytes: Int = LuaLimits.defaultMemoryBytes,
                instructionsPerCall: Int = LuaLimits.defaultInstructionsPerCall,
                secondsPerCall: Double = LuaLimits.defaultSecondsPerCall) {
        self.memoryBytes = memoryBytes
        self.instructionsPerCall = instructionsPerCall
        self.secondsPerCall = secondsPerCall
    }

    /// 64 MiB: a classic-control env uses well under 1 MiB.
    public static let defaultMemoryBytes = 64 << 20
    /// No budget by default. Counting instructions needs a count hook, and with one Lua 5.4's VM
    /// calls into its debug layer at every instruction: about a third of a CartPole step, 8-9%
    /// of a whole CartPole training run. The time limit stops runaway calls instead; a
    /// budget (`--max-instructions N`) is for those who want the stop at the same instruction on
    /// every machine.
    public static let defaultInstructionsPerCall = 0
    /// 1 s: a classic-control step takes about a microsecond, so only a runaway call gets near
    /// it, and an endless loop is reported within a second or so.
    public static let defaultSecondsPerCall = 1.0
    /// The largest time limit, a day: longer is a mistake, and it keeps the milliseconds exact.
    public static let maximumSecondsPerCall = 86_400.0
}
