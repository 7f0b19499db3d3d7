import ArgumentParser
import LuaBridge

/// The sandbox limits every command that loads scripts accepts.
struct LimitOptions: ParsableArguments {
    @Option(name: .customLong("max-memory"),
            help: "Memory cap for each script's Lua heap, in MiB (0: no cap).")
    var maxMemoryMiB: Int = LuaLimits.defaultMemoryBytes >> 20

    @Option(name: .customLong("max-instructions"),
            help: "Lua instructions one call into a script may run before it is stopped (0: no budget).")
    var maxInstructions: Int = LuaLimits.defaultInstructionsPerCall

    func validate() throws {
        guard maxMemoryMiB >= 0 else { throw ValidationError("--max-memory must be 0 or more") }
        guard maxInstructions >= 0 else { throw ValidationError("--max-instructions must be 0 or more") }
    }

    var limits: LuaLimits {
        LuaLimits(memoryBytes: maxMemoryMiB << 20, instructionsPerCall: maxInstructions)
    }
}
