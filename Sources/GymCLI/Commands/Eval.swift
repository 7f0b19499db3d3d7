import ArgumentParser
import Environments
import Foundation
import PolicyFile
import PPO
import Recording
import Scenarios

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate saved policies, plainly or against scenarios, with a pass/fail exit code.",
        usage: "gym eval <policies> ... [<options>]",
        discussion: """
        Without --scenario, each policy runs on the env it was trained on, and passes when its \
        mean return reaches the env's reward_threshold. With --scenario (a file or a folder, \
        searched recursively; repeatable), each policy runs every scenario that applies to its \
        env; a scenario passes when its pass_rate of episodes succeed (docs/scenarios.md). \
        Actions are deterministic unless --stochastic; the same seed gives the same report.

        Exit codes: 0 when everything passes, 1 when anything fails, 2 on bad input (a missing \
        file, a script error, a policy trained on another env).

          gym eval policies/pendulum.policy
          gym eval policies/pendulum.policy --scenario scenarios/pendulum/
          gym eval policies/pendulum.policy --episodes 50 --seed 1 \\
            --scenario scenarios/pendulum/kick.lua
          gym eval policies/*.policy --scenario scenarios/ \\
            --json report.json --junit report.xml --html report.html

        --html writes one self-contained page (no network): the verdict, the summary table, \
        and per scenario every episode's return, the failure messages, the ctx:record metrics \
        over time and replays (the env's pictures, docs/environments.md) of the first failing \
        and of one passing episode, re-run from the same seed.
        """
    )

    @Argument(help: "Policy files.")
    var policies: [String]

    @Option(help: "A scenario file or folder (repeatable).")
    var scenario: [String] = []

    @Option(help: "Episodes per scenario (default: the scenario's, or 10).")
    var episodes: Int?

    @Option(help: "Seed (default: the scenario's, or 0).")
    var seed: UInt64?

    @Flag(help: "Sample actions instead of taking the most likely one.")
    var stochastic = false

    @Option(help: "The env script, when the one recorded in the policy is not at its path.")
    var env: String?

    @Option(help: "Also write the report as JSON to this file.")
    var json: String?

    @Option(help: "Also write the report as JUnit XML to this file.")
    var junit: String?

    @Option(help: "Also write the report as a self-contained HTML page with replays to this file.")
    var html: String?

    @OptionGroup var limitOptions: LimitOptions

    func validate() throws {
        guard !policies.isEmpty else { throw ValidationError("give at least one policy file") }
        if let episodes, episodes < 1 { throw ValidationError("--episodes must be at least 1") }
    }

    func run() throws {
        let report: EvaluationReport
        let replays = html == nil ? nil : ReplayPipeline()
        do {
            // Report paths are checked before the evaluation, not after it.
            for path in [json, junit, html].compactMap({ $0 }) { try AtomicFile.checkWritable(path) }
            report = try evaluate(replays: replays)
        } catch {
            Console.error("Error: \(error)\n")
            throw ExitCode(2)
        }
        Console.line(report.table())
        do {
            if let json { try AtomicFile.write([UInt8](try report.json()), to: json) }
            if let junit { try AtomicFile.write(Array(report.junit().utf8), to: junit) }
        } catch {
            Console.error("Error: cannot write the report: \(error)\n")
            throw ExitCode(2)
        }
        if let html, let replays {
            do {
                let page = EvaluationHTML.page(report, replayBlocks: try replays.blocks(), gymVersion: GymVersion.current)
                try AtomicFile.write(Array(page.utf8), to: html)
            } catch {
                // A render that fails, a replay that differs, a full disk: no report, exit 2.
                Console.error("Error: the HTML report was not written: \(error)\n")
                throw ExitCode(2)
            }
        }
        if !report.allPassed { throw ExitCode(1) }
    }

    /// Evaluates every policy on every scenario that applies to its env; each result goes to
    /// `replays` (when there is an HTML report to make) as soon as it is in.
    private func evaluate(replays: ReplayPipeline?) throws -> EvaluationReport {
        var options = ScenarioEvaluation.Options()
        options.episodes = episodes
        options.seed = seed
        options.deterministic = !stochastic
        options.limits = limitOptions.limits
        options.captureEpisodeStarts = html != nil
        let scenarioFiles = try scenario.flatMap { argument in
            let explicit = !isFolder(argument)
            return try expand(argument).map { (file: $0, explicit: explicit) }
        }
        var results: [ScenarioResult] = []
        func add(_ result: ScenarioResult, _ job: Job) {
            replays?.submit(index: results.count, result: result, job: job)
            results.append(result)
        }
        for policyPath in policies {
            let recorded = try PolicyCodec.read(from: policyPath).policy
            guard let script = env ?? recorded.envScript else {
                throw EvaluationInputError("\(policyPath) does not record its env script; pass --env")
            }
            guard FileManager.default.fileExists(atPath: script) else {
                throw EvaluationInputError("\(policyPath) was trained on \(script), which does not exist here; pass --env")
            }
            // Checks the spaces and warns if the script changed, on the policy already read.
            let spec = try LuaEnvironment(path: script, limits: options.limits).spec
            let policy = try checked(recorded, path: policyPath, for: spec, script: script)
            if scenarioFiles.isEmpty {
                add(try ScenarioEvaluation.run(policy: policy, policyPath: policyPath, envScript: script, scenarioPath: nil, options: options),
                    Job(policy: policy, script: script, scenarioPath: nil, options: options))
            }
            for (file, explicit) in scenarioFiles {
                if let target = try ScenarioTarget.env(ofScenario: file, limits: options.limits), !ScenarioTarget.same(target, script) {
                    // A folder may hold scenarios for several envs; a file named on purpose may not mismatch.
                    if explicit {
                        throw EvaluationInputError("\(file) is a scenario for \(target), but \(policyPath) was trained on \(script)")
                    }
                    continue
                }
                add(try ScenarioEvaluation.run(policy: policy, policyPath: policyPath, envScript: script, scenarioPath: file, options: options),
                    Job(policy: policy, script: script, scenarioPath: file, options: options))
            }
        }
        for result in results {
            guard let cap = result.stepCap else { continue }
            Console.errorLine("note: \(result.policyPath) on \(result.scenarioName): episodes stop at \(cap) steps, below the env's max_steps")
        }
        guard !results.isEmpty else { throw EvaluationInputError("no scenario applies to the policies' envs") }
        return EvaluationReport(results: results)
    }

    private func isFolder(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    private func expand(_ path: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: path) else { throw EvaluationInputError("\(path): no such scenario file or folder") }
        guard isFolder(path) else { return [path] }
        let files = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".lua") }.sorted()
        // Paths as the user gave them (relative stays relative): reports show them.
        let folder = path.hasSuffix("/") ? String(path.dropLast()) : path
        return files.map { folder + "/" + $0 }
    }
}
