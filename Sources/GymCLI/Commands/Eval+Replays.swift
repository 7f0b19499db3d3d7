import Environments
import Foundation
import PPO
import Recording
import Scenarios

// The HTML report's replays: the episodes worth watching, run again and recorded.
extension Eval {
    /// What produced each result, to replay its episodes for the HTML report.
    struct Job: Sendable {
        var policy: TrainedPolicy
        var script: String
        var scenarioPath: String?
        var options: ScenarioEvaluation.Options
    }

    /// The first failing and the first passing episode of `result`, run again and recorded:
    /// each alone from where it started when the evaluation kept that, else by running the
    /// episodes before it again unrecorded. A replay must match its evaluated episode.
    static func replay(_ result: ScenarioResult, _ job: Job) throws -> Recording? {
        let failing = result.episodes.firstIndex { !$0.passed }
        let passing = result.episodes.firstIndex { $0.passed }
        let targets = [failing, passing].compactMap { $0 }.sorted()
        guard let last = targets.last else { return nil }
        var recorder: EpisodeRecorder?
        func observer(_ env: LuaEnvironment, _ index: Int) -> (EpisodeEvent) throws -> Void {
            if recorder == nil { recorder = EpisodeRecorder(env: env, script: job.script, actor: result.policyPath) }
            return recorder!.observer(episode: index + 1, env: env)
        }
        // Each alone from its start; a scenario may keep state a start cannot hold (a
        // counter in its file): then an episode differs, and the longer way below is exact.
        let alone = try ScenarioEvaluation.replay(
            policy: job.policy, policyPath: result.policyPath, envScript: job.script, scenarioPath: job.scenarioPath,
            options: job.options,
            episodes: targets.map { ($0, $0 < result.episodeStarts.count ? result.episodeStarts[$0] : nil) },
            watch: observer
        ).enumerated().allSatisfy { k, episode in
            episode.map { $0.totalReward == result.episodes[targets[k]].totalReward && $0.length == result.episodes[targets[k]].length } ?? false
        }
        if !alone {
            recorder = nil
            _ = try ScenarioEvaluation.run(policy: job.policy, policyPath: result.policyPath, envScript: job.script,
                                           scenarioPath: job.scenarioPath, options: job.options, stopAfter: last) { env, episode in
                targets.contains(episode) ? observer(env, episode) : nil
            }
        }
        guard var recording = recorder?.recording else { return nil }
        for k in recording.episodes.indices {
            let index = recording.episodes[k].number - 1
            let episode = result.episodes[index]
            // The replay is the evaluated episode, or the report would show something else.
            let replayed = recording.episodes[k].steps.compactMap(\.reward).reduce(0, +)
            guard replayed == episode.totalReward, recording.episodes[k].steps.count == episode.length + 1 else {
                throw EvaluationInputError("\(result.policyPath) on \(result.scenarioName): the replay of episode \(index + 1) differs from its evaluation (return \(replayed) against \(episode.totalReward)); is the env deterministic given its seed?")
            }
            recording.episodes[k].totalReward = episode.totalReward
            recording.episodes[k].ending = episode.failure.map { "failed: \($0)" }
                ?? (episode.terminated ? "terminated" : episode.truncated ? "truncated (time limit)" : "ended")
            recording.episodes[k].label = index == failing ? "first failing, episode \(index + 1)" : "passing, episode \(index + 1)"
        }
        // The failing replay first: it is what a reader came for.
        recording.episodes.sort { ($0.label?.hasPrefix("first failing") == true ? 0 : 1) < ($1.label?.hasPrefix("first failing") == true ? 0 : 1) }
        return recording
    }
}

/// Makes the HTML report's replays while the evaluation goes on: each result's replays are
/// recorded and turned into page markup on a second thread as soon as the result is in, so
/// that the report costs the evaluation little more than its last result's replays. Results
/// are handled one at a time, in order; the first error stops the rest and is rethrown by
/// `blocks()`.
final class ReplayPipeline: @unchecked Sendable {
    private let queue = DispatchQueue(label: "gym.eval.replays")
    private let lock = NSLock()
    private var made: [Int: String] = [:]
    private var failure: Error?

    /// Queues result `index` (0-based, as in the report).
    func submit(index: Int, result: ScenarioResult, job: Eval.Job) {
        queue.async { [self] in
            guard lock.withLock({ failure == nil }) else { return }
            do {
                guard let recording = try Eval.replay(result, job) else { return }
                let block = EvaluationHTML.replayBlock(recording, number: index + 1)
                lock.withLock { made[index] = block }
            } catch {
                lock.withLock { failure = error }
            }
        }
    }

    /// Waits for every queued result; the blocks by result index.
    func blocks() throws -> [Int: String] {
        queue.sync {}
        return try lock.withLock {
            if let failure { throw failure }
            return made
        }
    }
}
