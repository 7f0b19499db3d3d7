import ArgumentParser
import LuaBridge

/// The sandbox limits every command that loads scripts accepts.
struct LimitOptions: ParsableArguments {
    @Option(name: .customLong("max-memory"), parsing: .unconditional,
            help: "Memory cap for each script's Lua heap, in MiB (0: no cap).")
    var maxMemoryMiB: Int = LuaLimits.defaultMemoryBytes >> 20

    @Option(name: .customLong("max-instructions"), parsing: .unconditional,
            help: "Lua instructions (and pattern-matching steps) one call into a script may run before it is stopped, at the same instruction on every machine; counting slows steps by about a third (0: no budget).")
    var maxInstructions: Int = LuaLimits.defaultInstructionsPerCall

    @Option(name: .customLong("max-seconds"), parsing: .unconditional,
            help: "Seconds one call into a script may run (CPU time of its thread) before it is stopped (0: no limit).")
    var maxSeconds: Double = LuaLimits.defaultSecondsPerCall

    func validate() throws {
        guard maxMemoryMiB >= 0, maxMemoryMiB <= 1 << 20 else { throw ValidationError("--max-memory must be from 0 to 1048576 MiB") }
        guard maxInstructions >= 0 else { throw ValidationError("--max-instructions must be 0 or more") }
        guard maxSeconds.isFinite, maxSeconds >= 0, maxSeconds <= LuaLimits.maximumSecondsPerCall else {
            throw ValidationError("--max-seconds must be from 0 to \(Int(LuaLimits.maximumSecondsPerCall)) (a day)")
        }
    }

    var limits: LuaLimits {
        LuaLimits(memoryBytes: maxMemoryMiB << 20, instructionsPerCall: maxInstructions, secondsPerCall: maxSeconds)
    }
}
