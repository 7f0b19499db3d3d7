/// Resource limits for one Lua state: scripts are untrusted code.
public struct LuaLimits: Sendable, Equatable {
    /// Bytes the script's heap may reach while script code runs; 0 means no cap.
    public var memoryBytes: Int
    /// Lua VM instructions one host call into the script may execute; 0 means no budget.
    public var instructionsPerCall: Int

    public init(memoryBytes: Int = LuaLimits.defaultMemoryBytes,
                instructionsPerCall: Int = LuaLimits.defaultInstructionsPerCall) {
        self.memoryBytes = memoryBytes
        self.instructionsPerCall = instructionsPerCall
    }

    /// 64 MiB: a classic-control env uses well under 1 MiB.
    public static let defaultMemoryBytes = 64 << 20
    /// 20 million instructions, about a tenth of a second: a pendulum step takes about a hundred.
    public static let defaultInstructionsPerCall = 20_000_000
}
