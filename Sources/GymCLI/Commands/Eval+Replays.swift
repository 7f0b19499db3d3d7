import Environments
import Foundation
import PPO
import Recording
import Scenarios

// The HTML report's replays: the episodes worth watching, run again and recorded.
extension Eval {
    /// What produced each result, to replay its episodes for the HTML report.
    struct Job {
        var policy: TrainedPolicy
        var script: String
        var scenarioPath: String?
        var options: ScenarioEvaluation.Options
    }

    /// Per result, the first failing and the first passing episode, run again and recorded:
    /// each alone from where it started when the evaluation kept that, else by running the
    /// episodes before it again unrecorded. A replay must match its evaluated episode.
    func replays(_ report: EvaluationReport, _ jobs: [Job]) throws -> [Int: Recording] {
        var out: [Int: Recording] = [:]
        for (i, (result, job)) in zip(report.results, jobs).enumerated() {
            let failing = result.episodes.firstIndex { !$0.passed }
            let passing = result.episodes.firstIndex { $0.passed }
            let targets = [failing, passing].compactMap { $0 }.sorted()
            guard let last = targets.last else { continue }
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
            guard var recording = recorder?.recording else { continue }
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
            out[i] = recording
        }
        return out
    }
}
