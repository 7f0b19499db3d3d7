import Environments
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PPO
@testable import Scenarios
import Testing
import TestScratch

/// A one-dimensional env: x moves by gain x action each step; reward = x. Fully deterministic.
let lineEnv = """
local env = {
  name = "Line",
  observation_space = gym.box({-1000}, {1000}),
  action_space = gym.box({-1}, {1}),
  max_steps = 10,
  params = { gain = 1.0 },
  state = { 0.0 },
  obs = { 0.0 },
}
function env:reset(rng) self.state = { 0.0 }; return self:observe() end
function env:observe() self.obs[1] = self.state[1]; return self.obs end
function env:step(action)
  self.state = { self.state[1] + self.params.gain * action[1] }
  return self:observe(), self.state[1], false
end
return env
"""

func temporaryFile(_ contents: String, name: String) throws -> String {
    let folder = try TestScratch.folder("scn")
    let url = folder.appendingPathComponent(name)
    try contents.write(to: url, atomically: false, encoding: .utf8)
    return url.path
}

/// A policy that always acts `action` (a linear actor with zero weights and that bias).
func constantPolicy(_ action: Float) -> TrainedPolicy {
    let architecture = NetworkArchitecture(observationSize: 1, distribution: .gaussian(dimensions: 1), hidden: [],
                                           activation: .tanh, shared: false)
    var parameters = [Float](repeating: 0, count: architecture.parameterCount)
    parameters[architecture.actorOffset + architecture.actor.biasOffset(0)] = action
    return TrainedPolicy(envName: "Line", observationSpace: .box(low: [-1000], high: [1000]),
                         actionSpace: .box(low: [-1], high: [1]), architecture: architecture,
                         normalizer: ObservationNormalizer(size: 1, enabled: false), parameters: parameters,
                         settings: PPOSettings(), stepsTrained: 0, updates: 0, wallSeconds: 0)
}

func evaluate(_ scenario: String?, action: Float = 0.5, episodes: Int? = nil, seed: UInt64? = nil) throws -> ScenarioResult {
    let env = try temporaryFile(lineEnv, name: "line.lua")
    let scenarioPath = try scenario.map { try temporaryFile($0, name: "scenario.lua") }
    var options = ScenarioEvaluation.Options()
    options.episodes = episodes
    options.seed = seed
    return try ScenarioEvaluation.run(policy: constantPolicy(action), policyPath: "line.policy", envScript: env,
                                      scenarioPath: scenarioPath, options: options)
}

@Suite struct ScenarioSemanticsTests {
    @Test func plainEvaluationRunsEpisodesToTheTimeLimit() throws {
        let result = try evaluate(nil, episodes: 3)
        // x = 0.5, 1.0, ..., 5.0: the return is 0.5 * (1 + ... + 10) = 27.5.
        #expect(result.episodes.map(\.totalReward) == [27.5, 27.5, 27.5])
        #expect(result.episodes.allSatisfy { $0.truncated && !$0.terminated && $0.length == 10 })
        #expect(result.scenarioName == "plain" && result.passed)
    }

    @Test func setupSetsTheStartState() throws {
        let result = try evaluate("""
            return { episodes = 2, setup = function(env, ctx) env.state = { 100.0 } end }
            """)
        // x = 100.5 ... 105: return 1000 + 27.5.
        #expect(result.episodes.map(\.totalReward) == [1027.5, 1027.5])
    }

    @Test func paramsAreDrawnPerEpisodeAndRestoredAfterPerturbation() throws {
        let drawn = try evaluate("""
            return {
              episodes = 20, seed = 7, params = { gain = gym.uniform(2, 3) },
              on_step = function(env, ctx) ctx:record("gain", env.params.gain) end,
              success = function(episode) return episode.metrics.gain.min >= 2 and episode.metrics.gain.max <= 3 end,
            }
            """)
        #expect(drawn.passRate == 1)
        let returns = Set(drawn.episodes.map(\.totalReward))
        #expect(returns.count > 15, "gains should differ between episodes")
        #expect(drawn.episodes.allSatisfy { $0.totalReward >= 55 && $0.totalReward <= 82.5 })

        // on_step doubles the gain each step; the next episode starts from the declared 1.0 again.
        let perturbed = try evaluate("""
            return { episodes = 3, on_step = function(env, ctx) env.params.gain = env.params.gain * 2 end }
            """)
        #expect(Set(perturbed.episodes.map(\.totalReward)).count == 1)
    }

    @Test func choiceAndNormalSamplersAreSeededAndInRange() throws {
        let scenario = """
            return {
              episodes = 30, params = { gain = gym.choice{ 0, 2 } },
              on_step = function(env, ctx) ctx:record("noise", ctx.rng:normal(0, 1)) end,
            }
            """
        let a = try evaluate(scenario, seed: 5), b = try evaluate(scenario, seed: 5), c = try evaluate(scenario, seed: 6)
        #expect(Set(a.episodes.map(\.totalReward)) == [0, 55])
        #expect(a.episodes.map(\.totalReward) == b.episodes.map(\.totalReward))
        #expect(a.episodes.map(\.totalReward) != c.episodes.map(\.totalReward))
    }

    @Test func onStepCanReplaceTheAction() throws {
        let result = try evaluate("""
            return { episodes = 1, on_step = function(env, ctx)
              assert(ctx.action[1] == 0.5, "the policy's action is visible")
              ctx.action = { -1.0 }
            end }
            """)
        #expect(result.episodes[0].totalReward == -55)
    }

    @Test func onObservationChangesWhatThePolicySeesNotTheEnv() throws {
        // The policy ignores observations, so only the env's own state counts: unchanged returns.
        let result = try evaluate("""
            return { episodes = 1, on_observation = function(obs, ctx) obs[1] = obs[1] + 1000 end }
            """)
        #expect(result.episodes[0].totalReward == 27.5)
    }

    @Test func failEndsTheEpisodeAndSuccessSeesEverything() throws {
        let result = try evaluate("""
            return {
              episodes = 4, pass_rate = 0.5,
              on_step = function(env, ctx)
                ctx:record("x", env.state[1])
                if ctx.episode % 2 == 0 and env.state[1] >= 2 then ctx:fail("x reached " .. env.state[1]) end
              end,
              success = function(episode)
                assert(episode["return"] == episode.total_reward or episode.total_reward == nil)
                return not episode.failed and episode.truncated and episode.length == 10
                   and episode.metrics.x.count == 10 and episode.metrics.x.max == 4.5
              end,
            }
            """)
        #expect(result.episodes.map(\.passed) == [true, false, true, false])
        // on_step runs before each step: at t = 4, x = 2.0 fails; that step still happens, then the episode ends.
        #expect(result.episodes[1].failure == "x reached 2.0" && result.episodes[1].length == 5)
        #expect(result.passRate == 0.5 && result.passed)
        #expect(result.failureMessages == ["x reached 2.0", "x reached 2.0"])
    }

    @Test func passRateDecidesTheVerdict() throws {
        let scenario = { (rate: Double) in
            "return { episodes = 4, pass_rate = \(rate), success = function(episode) return false end }"
        }
        #expect(try evaluate(scenario(0)).passed)
        #expect(try !evaluate(scenario(0.25)).passed)
    }

    @Test func errorsNameTheScenarioLineAndFunction() throws {
        do {
            _ = try evaluate("return { episodes = 1,\n  on_step = function(env, ctx) local x = nil + 1 end }")
            Issue.record("a runtime error in on_step passed")
        } catch {
            #expect("\(error)".contains("scenario.lua:2: in function 'on_step'"), "\(error)")
        }
        do {
            _ = try evaluate("return { episodes = 1,, }")
            Issue.record("a syntax error passed")
        } catch {
            #expect("\(error)".contains("scenario.lua:1"), "\(error)")
        }
        do {
            _ = try evaluate("return { params = { mass = 2 } }")
            Issue.record("an unknown param passed")
        } catch {
            #expect("\(error)".contains("params.mass is not a param of Line (its params: gain)"), "\(error)")
        }
        do {
            _ = try evaluate("return { episodes = 1, on_step = function(env, ctx) ctx.action = 'left' end }")
            Issue.record("a bad action passed")
        } catch {
            #expect("\(error)".contains("ctx.action must be a list of 1 numbers"), "\(error)")
        }
        do {
            _ = try evaluate("return { episodes = 1, sucess = function() return true end }")
            Issue.record("a misspelt field passed")
        } catch {
            #expect("\(error)".contains("unknown field 'sucess'"), "\(error)")
        }
    }

    @Test func reportsAreDeterministicAndJUnitParses() throws {
        let scenario = "return { name = \"noisy\", episodes = 5, params = { gain = gym.normal(1, 0.5) }, success = function(e) return e['return'] > 20 end }"
        let a = EvaluationReport(results: [try evaluate(scenario, seed: 3)])
        let b = EvaluationReport(results: [try evaluate(scenario, seed: 3)])
        #expect(a.table() == b.table())
        let xml = a.junit()
        let document = try XMLParserCheck.parse(xml)
        #expect(document.testcases == 1 && document.suites == 1)
        #expect(try JSONSerialization.jsonObject(with: a.json()) is [String: Any])
    }
}

/// A minimal check with Foundation's XMLParser: the JUnit text is well-formed XML, counted.
enum XMLParserCheck {
    final class Counter: NSObject, XMLParserDelegate {
        var suites = 0, testcases = 0
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if name == "testsuite" { suites += 1 }
            if name == "testcase" { testcases += 1 }
        }
    }

    static func parse(_ text: String) throws -> (suites: Int, testcases: Int) {
        let parser = XMLParser(data: Data(text.utf8))
        let counter = Counter()
        parser.delegate = counter
        guard parser.parse() else { throw parser.parserError ?? CocoaError(.coderReadCorrupt) }
        return (counter.suites, counter.testcases)
    }
}
