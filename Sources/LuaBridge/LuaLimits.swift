/// Resource limits for one Lua state: scripts are untrusted code.
public struct LuaLimits: Sendable, Equatable {
    /// Bytes the script's heap may reach while script code runs; 0 means no cap.
    public var memoryBytes: Int
    /// Lua VM instructions (and pattern-matching steps) one host call into the script may
    /// execute; 0 means no budget.
    public var instructionsPerCall: Int
    /// Wall-clock seconds one host call into the script may take; 0 means no limit. This is what
    /// stops work the budget does not count (a slow garbage collection, a huge table operation).
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
    /// 20 million instructions, about a tenth of a second: a pendulum step takes about a hundred.
    public static let defaultInstructionsPerCall = 20_000_000
    /// 10 s: a hundred times what the default budget takes, so it fires only on work the
    /// budget cannot see.
    public static let defaultSecondsPerCall = 10.0
    /// The largest time limit, a day: longer is a mistake, and it keeps the milliseconds exact.
    public static let maximumSecondsPerCall = 86_400.0
}
