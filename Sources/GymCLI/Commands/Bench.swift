import ArgumentParser
import Dispatch
import Environments

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure raw environment steps per second on one core.",
        usage: "gym bench [<scripts> ...] [<options>]",
        discussion: """
        Steps each environment with random actions (sampled before timing) through the same \
        step path training uses, resetting at episode ends, on the calling thread only.

          gym bench
          gym bench envs/pendulum.lua --steps 5000000
        """
    )

    @Argument(help: "Environment scripts (default: every .lua file in envs/).")
    var scripts: [String] = []

    @Option(help: "Timed steps per environment.")
    var steps: Int = 2_000_000

    @OptionGroup var limitOptions: LimitOptions

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1") }
    }

    func run() throws {
        let files = scripts.isEmpty ? try scriptFiles(in: "envs") : scripts
        Console.line("env steps per second, one core, random actions, \(steps) steps each")
        for file in files {
            let env = try LuaEnvironment(path: file, limits: limitOptions.limits)
            let result = try EnvironmentBenchmark(env: env, steps: steps).run()
            let rate = Double(steps) / result.seconds
            Console.line("  \(env.spec.name.padding(toLength: 24, withPad: " ", startingAt: 0)) "
                  + "\(String(format: "%10.0f", rate)) steps/s  "
                  + "(\(String(format: "%.1f", 1e9 / rate)) ns/step, \(result.episodes) episodes)")
        }
    }
}
