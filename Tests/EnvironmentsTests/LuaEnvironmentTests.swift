import Environments
import LuaBridge
import Testing

@Suite struct LuaEnvironmentTests {
    @Test(arguments: ["pendulum", "cartpole", "mountaincar_continuous", "acrobot"])
    func sameSeedGivesTheSameEpisodeBitForBit(envName: String) throws {
        func episode() throws -> [UInt64] {
            let env = try LuaEnvironment(path: shippedEnv(envName))
            var rng = SeededGenerator(seed: 5)
            var values = try env.resetObservation(seed: 42).map { $0.bitPattern }
            var action = [Double](repeating: 0, count: env.spec.actionSpace.flatSize)
            for _ in 0..<50 {
                action.withUnsafeMutableBufferPointer { env.spec.actionSpace.sample(into: $0, using: &rng) }
                let (obs, outcome) = try env.step(action)
                values += obs.map { $0.bitPattern } + [outcome.reward.bitPattern]
            }
            return values
        }
        #expect(try episode() == episode())
    }

    @Test func unseededResetContinuesTheStreamAndReseedingRestartsIt() throws {
        let env = try LuaEnvironment(path: shippedEnv("pendulum"))
        let first = try env.resetObservation(seed: 3)
        let second = try env.resetObservation(seed: nil)
        let again = try env.resetObservation(seed: 3)
        #expect(first != second)
        #expect(first == again)
        #expect(try env.resetObservation(seed: nil) == second)
    }

    @Test func stepAllocatesNothingInLua() throws {
        // The host reuses one action table and the shipped envs reuse their observation table,
        // so a step leaves no garbage: the Lua heap does not move at all.
        for envName in ["pendulum", "cartpole", "mountaincar_continuous", "acrobot"] {
            let env = try LuaEnvironment(path: shippedEnv(envName))
            _ = try env.resetObservation(seed: 1)
            var observation = [Double](repeating: 0, count: env.spec.observationSpace.flatSize)
            let action = [Double](repeating: 0, count: env.spec.actionSpace.flatSize)
            _ = try env.step(action)
            let before = env.state.bytesInUse
            try observation.withUnsafeMutableBufferPointer { obs in
                try action.withUnsafeBufferPointer { act in
                    for _ in 0..<5000 { _ = try env.step(action: act, observation: obs) }
                }
            }
            #expect(env.state.bytesInUse == before, "\(envName): \(before) -> \(env.state.bytesInUse) bytes")
        }
    }

    @Test func runtimeErrorInStepNamesScriptLineAndFunction() throws {
        let path = try temporaryScript(countingEnv(step: "local t = nil\n  return t.x"))
        let env = try LuaEnvironment(path: path)
        _ = try env.resetObservation(seed: 0)
        do {
            _ = try env.step([0])
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".hasPrefix("\(path):12: in function 'step': attempt to index a nil value"), "\(error)")
        }
        // The env stays usable after the error.
        #expect(try env.resetObservation(seed: 0) == [0])
    }

    @Test func nanRewardIsReportedWithScriptFunctionAndStep() throws {
        let path = try temporaryScript(countingEnv(step: "self.t = self.t + 1; return {0.5}, self.t == 3 and 0/0 or 1.0, false"))
        let env = try LuaEnvironment(path: path)
        _ = try env.resetObservation(seed: 0)
        _ = try env.step([0])
        _ = try env.step([1])
        do {
            _ = try env.step([0])
            Issue.record("expected an error")
        } catch let error as EnvironmentError {
            guard case .nonFinite = error else { Issue.record("wrong error \(error)"); return }
            // x86 prints Lua's 0/0 as -nan.
            #expect("\(error)".hasPrefix("\(path): in function 'step': returned a non-finite reward ("))
            #expect("\(error)".hasSuffix("nan) (episode 1, step 3)"))
        }
    }

    @Test func wrongReturnValuesAreContractErrors() throws {
        let shortObservation = try LuaEnvironment(path: temporaryScript(countingEnv(step: "return {1, 2}, 0, false")))
        _ = try shortObservation.resetObservation(seed: 0)
        #expect("\(String(describing: (try? shortObservation.step([0])).map { _ in "ok" } ?? "error"))" == "error")
        do { _ = try shortObservation.step([0]) } catch {
            #expect("\(error)".contains("in function 'step': returned 2 observation values, expected 1"))
        }
        let stringReward = try LuaEnvironment(path: temporaryScript(countingEnv(step: "return {0.5}, 'high', false")))
        _ = try stringReward.resetObservation(seed: 0)
        do { _ = try stringReward.step([0]); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("the reward (2nd return value) must be a number, got string"))
        }
    }

    @Test func invalidDiscreteActionsAreRejectedNotTrapped() throws {
        let env = try LuaEnvironment(path: shippedEnv("cartpole"))
        _ = try env.resetObservation(seed: 0)
        for bad in [Double.nan, -1, 2, 1e300] {
            do { _ = try env.step([bad]); Issue.record("accepted \(bad)") } catch {
                #expect("\(error)".contains("invalid discrete action"))
            }
        }
        #expect(try env.step([1]).outcome.reward == 1)
    }

    @Test func loadErrorsAreClear() throws {
        let missingStep = try temporaryScript("""
            return { name = "X", observation_space = gym.box({0}, {1}), action_space = gym.discrete(2),
                     max_steps = 10, reset = function() return {0} end }
            """)
        #expect(throws: EnvironmentError.self) { try LuaEnvironment(path: missingStep) }
        do { _ = try LuaEnvironment(path: missingStep) } catch {
            #expect("\(error)" == "\(missingStep): env:step must be a function (got nil)")
        }
        let syntax = try temporaryScript("local env = {\nname = 'x' 'y' +\n")
        do { _ = try LuaEnvironment(path: syntax) } catch {
            #expect("\(error)".hasPrefix("\(syntax):"), "\(error)")
        }
        do { _ = try LuaEnvironment(path: "/no/such/env.lua") } catch {
            #expect("\(error)" == "/no/such/env.lua: no such file")
        }
        let noTable = try temporaryScript("return 42")
        do { _ = try LuaEnvironment(path: noTable) } catch {
            #expect("\(error)".contains("the script must end with `return env`, a table (it returned number)"))
        }
    }

    @Test func endlessLoopInStepIsStoppedAndTheEnvRecovers() throws {
        let path = try temporaryScript(countingEnv(step: "if action == 1 then while true do end end\n  return {0.5}, 0, false"))
        let env = try LuaEnvironment(path: path, limits: LuaLimits(instructionsPerCall: 100_000))
        _ = try env.resetObservation(seed: 0)
        do { _ = try env.step([1]); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("in function 'step': instruction budget exceeded"), "\(error)")
        }
        #expect(try env.step([0]).observation == [0.5])
    }

    @Test func scenarioSetupSetsTheStartStateAndTheObservationFollows() throws {
        let env = try LuaEnvironment(path: shippedEnv("pendulum"))
        let scenario = try temporaryScript("""
            return {
              setup = function(env, ctx)
                env.state = { math.pi, ctx.rng:uniform(0.5, 0.6) + ctx.episode }
              end,
            }
            """, name: "hanging.lua")
        try env.attachScenario(path: scenario)
        let first = try env.resetObservation(seed: 9)
        #expect(abs(first[0] - -1) < 1e-12 && abs(first[1]) < 1e-12)
        #expect(first[2] >= 1.5 && first[2] < 1.6)
        let second = try env.resetObservation(seed: nil)
        #expect(second[2] >= 2.5 && second[2] < 2.6)
        // Re-seeding repeats ctx.rng's draws; ctx.episode keeps counting resets.
        let third = try env.resetObservation(seed: 9)
        #expect(third[2] - 3 == first[2] - 1)
    }
}
