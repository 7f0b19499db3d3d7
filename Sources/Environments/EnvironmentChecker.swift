import LuaBridge

/// One line of a `gym check` report.
public struct CheckResult: Equatable, Sendable {
    public var name: String
    public var passed: Bool
    /// What was found: the space, the error, the first differing step.
    public var detail: String

    public init(name: String, passed: Bool, detail: String) {
        self.name = name
        self.passed = passed
        self.detail = detail
    }
}

/// Validates an environment script the way Gymnasium's env checker does, as a list of
/// pass/fail results. Checks that cannot run because an earlier one failed are reported failed.
public struct EnvironmentChecker {
    public var path: String
    public var limits: LuaLimits
    /// Random steps in the long run (Gymnasium's checker and the issue ask for a thousand).
    public var randomSteps = 1000
    /// Steps compared in the determinism checks.
    public var comparedSteps = 100

    public init(path: String, limits: LuaLimits = LuaLimits()) {
        self.path = path
        self.limits = limits
    }

    public func run() -> [CheckResult] {
        var results: [CheckResult] = []
        func record(_ name: String, _ passed: Bool, _ detail: String) {
            results.append(CheckResult(name: name, passed: passed, detail: detail))
        }
        let env: LuaEnvironment
        do {
            env = try LuaEnvironment(path: path, limits: limits)
            record("loads: returns an env table with name, spaces, max_steps, reset, step", true,
                   "\(env.spec.name), max_steps \(env.spec.maxSteps)")
        } catch {
            record("loads: returns an env table with name, spaces, max_steps, reset, step", false, "\(error)")
            return results
        }
        let spec = env.spec
        let observationProblems = spec.observationSpace.problems(finiteRequired: false)
        record("observation space is valid", observationProblems.isEmpty,
               observationProblems.isEmpty ? "\(spec.observationSpace)" : observationProblems.joined(separator: "; "))
        let actionProblems = spec.actionSpace.problems(finiteRequired: true)
        record("action space is valid", actionProblems.isEmpty,
               actionProblems.isEmpty ? "\(spec.actionSpace)" : actionProblems.joined(separator: "; "))
        guard observationProblems.isEmpty, actionProblems.isEmpty else {
            record("remaining checks", false, "not run: the spaces are invalid")
            return results
        }

        var observation = [Double](repeating: 0, count: spec.observationSpace.flatSize)
        do {
            try observation.withUnsafeMutableBufferPointer { try env.reset(seed: 0, observation: $0) }
            let inside = observation.withUnsafeBufferPointer { spec.observationSpace.contains($0) }
            record("reset returns an observation of the declared shape inside the space", inside,
                   inside ? "\(observation.count) values" : "observation \(format(observation)) is outside \(spec.observationSpace)")
        } catch {
            record("reset returns an observation of the declared shape inside the space", false, "\(error)")
            record("remaining checks", false, "not run: reset fails")
            return results
        }

        if env.canObserve {
            var observed = observation
            do {
                try observed.withUnsafeMutableBufferPointer { try env.observe(into: $0) }
                record("observe() returns the observation of the current state", observed == observation,
                       observed == observation ? "matches reset's observation"
                           : "observe() gave \(format(observed)), reset gave \(format(observation))")
            } catch {
                record("observe() returns the observation of the current state", false, "\(error)")
            }
        }

        let run = randomRun(env)
        record("step returns observation, reward and terminated of the right types for random actions",
               run.typeFailure == nil, run.typeFailure ?? "checked \(run.steps) steps")
        record("observations stay inside the observation space", run.outOfBounds == nil,
               run.outOfBounds ?? "checked \(run.steps) observations")
        record("observations and rewards are finite (no NaN or inf)", run.nonFinite == nil,
               run.nonFinite ?? "checked \(run.steps) steps")
        record("\(randomSteps) random steps run without error", run.steps == randomSteps,
               run.steps == randomSteps ? "\(run.episodes) episodes" : "stopped after \(run.steps) steps")
        guard !run.stoppedByLimit else {
            record("remaining checks", false, "not run: a step was stopped by a limit (each check would wait for it again)")
            return results
        }

        let sameSeed = compareTrajectories(env, seeds: (123, 123))
        record("the same seed gives identical trajectories", sameSeed.identical == true,
               sameSeed.identical == true ? "\(comparedSteps) steps compared bit for bit"
                   : sameSeed.detail)
        let otherSeed = compareTrajectories(env, seeds: (123, 456))
        record("different seeds give different trajectories", otherSeed.identical == false,
               otherSeed.identical == true ? "seeds 123 and 456 gave identical trajectories" : otherSeed.detail)
        let restored = checkpointRoundTrip(env)
        record("self.state holds all changing state (a checkpoint restores the episode exactly)", restored == nil,
               restored ?? "\(comparedSteps) steps after a restore matched bit for bit")
        if env.canRender {
            let drawn = renderRun(env)
            record("render(draw, last) draws after reset and after steps", drawn.failure == nil,
                   drawn.failure ?? "\(drawn.frames) frames, up to \(drawn.shapes) shapes each")
        }
        return results
    }

    /// Renders the state after a reset and after each of a few random steps.
    private func renderRun(_ env: LuaEnvironment) -> (frames: Int, shapes: Int, failure: String?) {
        let spec = env.spec
        var observation = [Double](repeating: 0, count: spec.observationSpace.flatSize)
        var action = [Double](repeating: 0, count: spec.actionSpace.flatSize)
        var generator = SeededGenerator(seed: 9)
        var frames = 0, shapes = 0
        do {
            try observation.withUnsafeMutableBufferPointer { try env.reset(seed: 9, observation: $0) }
            var context = RenderContext(t: 0)
            for t in 0...20 {
                let frame = try env.render(context)
                frames += 1
                shapes = max(shapes, frame?.shapes.count ?? 0)
                action.withUnsafeMutableBufferPointer { spec.actionSpace.sample(into: $0, using: &generator) }
                let outcome = try action.withUnsafeBufferPointer { a in
                    try observation.withUnsafeMutableBufferPointer { try env.step(action: a, observation: $0) }
                }
                if outcome.terminated { break }
                context = RenderContext(t: t + 1, action: action, reward: outcome.reward)
            }
        } catch {
            return (frames, shapes, "\(error)")
        }
        return (frames, shapes, nil)
    }

    /// What training's checkpoints need: capture the env mid-episode, run on, put the capture
    /// back, run the same actions again, and get the same bits. An env that keeps changing
    /// state outside `self.state` (or has none) fails here rather than at its first checkpoint.
    private func checkpointRoundTrip(_ env: LuaEnvironment) -> String? {
        let spec = env.spec
        var rng = SeededGenerator(seed: 5)
        var observation = [Double](repeating: 0, count: spec.observationSpace.flatSize)
        let actions: [[Double]] = (0..<(comparedSteps + 5)).map { _ in
            var action = [Double](repeating: 0, count: spec.actionSpace.flatSize)
            action.withUnsafeMutableBufferPointer { spec.actionSpace.sample(into: $0, using: &rng) }
            return action
        }
        func run(_ actions: ArraySlice<[Double]>) throws -> [UInt64] {
            var values: [UInt64] = []
            for action in actions {
                let outcome = try observation.withUnsafeMutableBufferPointer { obs in
                    try action.withUnsafeBufferPointer { try env.step(action: $0, observation: obs) }
                }
                values += observation.map(\.bitPattern) + [outcome.reward.bitPattern]
                if outcome.terminated { break }
            }
            return values
        }
        do {
            try observation.withUnsafeMutableBufferPointer { try env.reset(seed: 11, observation: $0) }
            _ = try run(actions.prefix(5))
            let saved = try env.captureState()
            let savedObservation = observation
            let first = try run(actions.dropFirst(5))
            try env.restoreState(generator: saved.generator, state: saved.state, episode: saved.episode,
                                 stepInEpisode: saved.stepInEpisode, scenario: saved.scenario)
            observation = savedObservation
            let second = try run(actions.dropFirst(5))
            guard first == second else {
                return "after restoring self.state the env went another way: it keeps changing state elsewhere (docs/environments.md, checkpoints)"
            }
            return nil
        } catch {
            return "\(error)"
        }
    }

    private struct RandomRun {
        var steps = 0
        var episodes = 0
        var typeFailure: String?
        var outOfBounds: String?
        var nonFinite: String?
        /// A call was stopped by the time limit or the budget: running the steps again in the
        /// next checks would only wait for the limit again.
        var stoppedByLimit = false
    }

    private func randomRun(_ env: LuaEnvironment) -> RandomRun {
        let spec = env.spec
        var run = RandomRun()
        var rng = SeededGenerator(seed: 7)
        let runner = EpisodeRunner(env: env, timeLimit: TimeLimit(declared: spec.maxSteps))
        do {
            while run.steps < randomSteps {
                _ = try runner.run(seed: run.episodes == 0 ? 7 : nil, act: { _, action, _ in
                    guard run.steps < randomSteps else { return false }
                    spec.actionSpace.sample(into: action, using: &rng)
                    return true
                }, observe: { event in
                    guard case .step(_, _, let observation, _, _) = event else { return }
                    run.steps += 1
                    if run.outOfBounds == nil, !spec.observationSpace.contains(observation) {
                        run.outOfBounds = "step \(run.steps): observation \(format(Array(observation))) is outside \(spec.observationSpace)"
                    }
                })
                run.episodes += 1
            }
        } catch let error as EnvironmentError {
            if case .nonFinite = error { run.nonFinite = "\(error)" } else { run.typeFailure = "\(error)" }
            if case .script(let lua) = error, lua.kind == .timeLimit || lua.kind == .instructionBudget {
                run.stoppedByLimit = true
            }
        } catch {
            run.typeFailure = "\(error)"
        }
        return run
    }

    /// Runs two trajectories of `comparedSteps` with the same action sequence, reset with the
    /// given seeds on the same instance. `identical` is nil when a run fails.
    private func compareTrajectories(_ env: LuaEnvironment, seeds: (UInt64, UInt64)) -> (identical: Bool?, detail: String) {
        do {
            let first = try trajectory(env, seed: seeds.0)
            let second = try trajectory(env, seed: seeds.1)
            if first == second { return (true, "identical") }
            let index = (0..<min(first.count, second.count)).first { first[$0] != second[$0] } ?? min(first.count, second.count)
            return (false, "seeds \(seeds.0) and \(seeds.1) first differ at value \(index)")
        } catch {
            return (nil, "\(error)")
        }
    }

    /// Observations, rewards and terminations of one run, flattened, as bit patterns.
    private func trajectory(_ env: LuaEnvironment, seed: UInt64) throws -> [UInt64] {
        let spec = env.spec
        var rng = SeededGenerator(seed: 99)
        var values: [UInt64] = []
        let runner = EpisodeRunner(env: env, timeLimit: TimeLimit(declared: spec.maxSteps))
        _ = try runner.run(seed: seed, act: { _, action, t in
            guard t < comparedSteps else { return false }
            spec.actionSpace.sample(into: action, using: &rng)
            return true
        }, observe: { event in
            switch event {
            case .reset(let observation):
                values += observation.map(\.bitPattern)
            case .step(_, _, let observation, let outcome, _):
                values += observation.map(\.bitPattern)
                values += [outcome.reward.bitPattern, outcome.terminated ? 1 : 0]
            }
        })
        return values
    }

    private func format(_ values: [Double]) -> String {
        "[" + values.map { String($0) }.joined(separator: ", ") + "]"
    }
}
