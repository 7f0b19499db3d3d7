import ArgumentParser
import Foundation
import LuaBridge
import PolicyFile

/// The `gym` command: environments as Lua scripts, checked, run and benchmarked.
public struct GymCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "gym",
        abstract: "A reinforcement-learning gym: environments are Lua scripts, trained with a native PPO.",
        discussion: """
        Environments are single Lua 5.4 files (see docs/environments.md). Start with:

          gym envs                                  list the environments in envs/
          gym check envs/pendulum.lua               validate an environment script
          gym run envs/cartpole.lua --episodes 3    run random actions and summarize
          gym train envs/pendulum.lua               train a policy with PPO
          gym run envs/pendulum.lua --policy policies/pendulum.policy
          gym eval policies/pendulum.policy --scenario scenarios/pendulum/
          gym plot runs/pendulum-*                  learning curves of runs, as an SVG
          gym serve policies/pendulum.policy        JSON observations in, actions out
          gym export policies/pendulum.policy --onnx pendulum.onnx   the policy as ONNX
          gym inspect policies/pendulum.policy      what a policy file holds
          gym bench                                 raw env steps per second, one core
          gym bench-train                           training time and return, over seeds
        """,
        version: GymVersion.current,
        // Each subcommand spells its commandName: without one, ArgumentParser derives it from
        // String(describing:) of the type, whose protocol-conformance lookups scan every loaded
        // library: 10.7M of the 47.5M instructions of `gym run envs/cartpole.lua --episodes 1`.
        subcommands: [Envs.self, Check.self, Run.self, Train.self, Eval.self, Plot.self, Serve.self, Export.self, Inspect.self, Bench.self, BenchTrain.self, BenchKernels.self]
    )

    public init() {}

    /// The program: parses, runs, and exits with a documented status (the README's list):
    /// 0 success, 1 failure (including stdout output that could not be written), 2 bad input
    /// for `eval`, 3 a script call stuck past its limit, 64 a bad flag, 130 stopped by a signal.
    public static func mainEntry() -> Never {
        // A closed pipe must not kill gym: writes fail with EPIPE instead, and Console copes.
        signal(SIGPIPE, SIG_IGN)
        // A parent may start gym with these blocked (a test runner's thread, some job
        // controllers); then neither the defaults nor training's handler would ever see them.
        // Unblocked here, before any thread exists, so every thread inherits that.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        for (signal, _) in InterruptFlag.signals { sigaddset(&stopSignals, signal) }
        sigprocmask(SIG_UNBLOCK, &stopSignals, nil)
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            try command.run()
        } catch let error as ValidationError {
            // Found while running (a flag against the env file's settings): the message alone,
            // without the root command's usage text.
            Console.errorLine("Error: \(error.message)")
            exit(withError: ExitCode.validationFailure)
        } catch {
            exit(withError: ReadableError.wrap(error))
        }
        if let code = Console.lostOutputError {
            Console.errorLine("gym: output to stdout was lost: \(BoundedFile.reason(code))")
            exit(withError: ExitCode.failure)
        }
        exit()
    }
}

public enum GymVersion {
    public static let current = PolicyCodec.gymVersion
}
