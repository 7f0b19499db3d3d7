import ArgumentParser
import Foundation
@testable import GymCLI
import Testing

/// Golden tests of what a user reads first: every command's `--help` (at 80 columns, where no
/// line may run over) and the main error messages with their exit codes. A change to any of
/// them shows in review as a diff of Tests/GymCLITests/Golden/.
@Suite struct HelpAndErrorTextTests {
    static let commands: [(name: String, type: ParsableCommand.Type)] =
        [("gym", GymCommand.self)] + GymCommand.configuration.subcommands.map { ($0._commandName, $0) }

    @Test(arguments: commands.map(\.name))
    func helpMatchesItsGoldenFileAndFitsEightyColumns(_ name: String) throws {
        let command = Self.commands.first { $0.name == name }!.type
        let help = command == GymCommand.self
            ? GymCommand.helpMessage(columns: 80) : GymCommand.helpMessage(for: command, columns: 80)
        // Usage lines are ArgumentParser's own and are not wrapped; every other line must fit.
        let long = help.split(separator: "\n").filter { $0.count > 80 && !$0.hasPrefix("USAGE:") }
        #expect(long.isEmpty, "lines over 80 columns in \(name) --help: \(long)")
        try Golden.check(help + "\n", against: "Tests/GymCLITests/Golden/help/\(name).txt")
    }

    /// Bad input, as a user types it: one readable line, and the documented exit code.
    static let mistakes: [[String]] = [
        ["trian"],
        ["train", "envs/pendulum.lua", "--stepz", "5"],
        ["train", "envs/pendulum.lua", "--steps", "abc"],
        ["train", "envs/pendulum.lua", "--gamma", "2"],
        ["train", "envs/pendulum.lua", "--objective", "foo"],
        ["train", "envs/pendulum.lua", "--hidden", "64,x"],
        ["train", "envs/missing.lua"],
        ["train", "Tests/GymCLITests/Hostile/huge_box.lua"],
        ["run", "envs/pendulum.lua", "--episodes", "0"],
        ["run", "envs/pendulum.lua", "--policy", "policies/cartpole.policy"],
        ["run", "envs/pendulum.lua", "--actions", "Tests/GymCLITests/Golden/inputs/actions-with-a-word.txt"],
        ["run", "Tests/GymCLITests/Hostile/endless_loop.lua"],
        ["run", "Tests/GymCLITests/Hostile/gc_finalizer.lua"],
        ["eval", "policies/missing.policy"],
        ["eval", "policies/cartpole.policy", "--scenario", "scenarios/pendulum/heavy.lua"],
        ["inspect", "Tests/GymCLITests/Golden/inputs/actions-with-a-word.txt"],
    ]

    @Test func mainErrorMessagesMatchTheirGoldenFile() throws {
        var transcript = ""
        for arguments in Self.mistakes {
            let result = try gym(arguments)
            transcript += "$ gym \(arguments.joined(separator: " "))\n\(result.stderr)exit \(result.status)\n\n"
            #expect(result.stderr.hasPrefix("Error: "), "\(arguments): \(result.stderr)")
            #expect(result.status != 0)
        }
        try Golden.check(transcript, against: "Tests/GymCLITests/Golden/errors.txt")
    }
}
