import ArgumentParser
import Environments
import Foundation

struct Envs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "envs",
        abstract: "List the environment scripts in a folder.",
        usage: "gym envs [<folder>] [<options>]",
        discussion: """
        Loads every .lua file in the folder (default: envs/) and prints its name, spaces and \
        episode limit. A script that fails to load is listed with its error; the exit code is \
        then 1.

          gym envs
          gym envs my-envs/
        """
    )

    @Argument(help: "Folder of environment scripts.")
    var folder: String = "envs"

    @OptionGroup var limitOptions: LimitOptions

    func run() throws {
        let files = try scriptFiles(in: folder)
        guard !files.isEmpty else { throw CleanExit.message("no .lua files in \(folder)/") }
        var failures = 0
        for file in files {
            do {
                let env = try LuaEnvironment(path: file, limits: limitOptions.limits)
                let spec = env.spec
                Console.line("\(file)")
                Console.line("  name:        \(spec.name)")
                Console.line("  observation: \(spec.observationSpace)")
                Console.line("  action:      \(spec.actionSpace)")
                Console.line("  max steps:   \(spec.maxSteps)")
            } catch {
                failures += 1
                Console.line("\(file)")
                Console.line("  error: \(error)")
            }
        }
        if failures > 0 { throw ExitCode.failure }
    }
}

/// The .lua files directly inside `folder`, sorted; a clear error when it is not a folder.
func scriptFiles(in folder: String) throws -> [String] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw ValidationError("\(folder): no such folder")
    }
    let names = try FileManager.default.contentsOfDirectory(atPath: folder)
    let base = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
    return names.filter { $0.hasSuffix(".lua") }.sorted().map { "\(base)/\($0)" }
}
