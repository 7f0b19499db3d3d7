import ArgumentParser
import Environments
import PPO

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate environment scripts against the environment contract.",
        usage: "gym check <scripts> ... [<options>]",
        discussion: """
        Loads each script and reports one pass/fail line per check: required fields, valid \
        spaces, reset and step return values of the declared shape inside the declared bounds, \
        no NaN or infinity, seeding determinism, and a thousand random steps without error. \
        Exit code 0 only if every check of every script passes.

          gym check envs/pendulum.lua
          gym check envs/*.lua
        """
    )

    @Argument(help: "Environment scripts to check.")
    var scripts: [String]

    @OptionGroup var limitOptions: LimitOptions

    func validate() throws {
        guard !scripts.isEmpty else { throw ValidationError("give at least one script to check") }
    }

    func run() throws {
        var allPassed = true
        for script in scripts {
            var results = EnvironmentChecker(path: script, limits: limitOptions.limits).run()
            if let train = trainTableCheck(script) { results.append(train) }
            Console.line(script)
            for result in results {
                Console.line("  \(result.passed ? "PASS" : "FAIL")  \(result.name): \(result.detail)")
            }
            let failed = results.filter { !$0.passed }.count
            if failed == 0 {
                Console.line("  all \(results.count) checks passed")
            } else {
                allPassed = false
                Console.line("  \(failed) of \(results.count) checks failed")
            }
        }
        if !allPassed { throw ExitCode.failure }
    }

    /// The env's recommended settings (`train = {...}`) read as `gym train` reads them: known
    /// keys (a misspelt one gets the nearest key suggested), values of the right kind, in range.
    private func trainTableCheck(_ script: String) -> CheckResult? {
        guard let env = try? LuaEnvironment(path: script, limits: limitOptions.limits) else { return nil }
        let name = "train table: known settings with valid values"
        guard let table = env.spec.train else { return CheckResult(name: name, passed: true, detail: "none (gym's defaults apply)") }
        do {
            // PPO's keys, then each algorithm's sub-table over that algorithm's defaults.
            var counted: [String] = []
            for algorithm in PPOSettings.Algorithm.allCases {
                let subTable = table.fields[algorithm.rawValue]
                if algorithm.isOffPolicy && subTable == nil { continue }
                let settings = try PPOSettings.recommended(for: algorithm, trainTable: table, source: script)
                if let problem = settings.problem() {
                    return CheckResult(name: name, passed: false, detail: "\(algorithm.rawValue): \(problem)")
                }
                if case .table(let own)? = subTable {
                    counted.append("\(own.fields.count) for \(algorithm.rawValue)")
                } else {
                    let own = table.fields.keys.filter { PPOSettings.Algorithm(rawValue: $0) == nil }.count
                    counted.append("\(own) for ppo")
                }
            }
            return CheckResult(name: name, passed: true, detail: counted.joined(separator: ", "))
        } catch {
            return CheckResult(name: name, passed: false, detail: "\(error)")
        }
    }
}
