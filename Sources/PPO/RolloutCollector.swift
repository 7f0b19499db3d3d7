import Environments

/// Collects rollouts: each step, every worker runs the policy on its slice of envs as one batch,
/// samples actions, steps its envs and records the transitions. Workers own disjoint env slices
/// and per-env samplers, and synchronize once per rollout, so the data are the same whatever
/// the thread count.
final class RolloutCollector<T: NetworkScalar>: @unchecked Sendable {
    /// One thread's share: a contiguous range of envs and its own scratch memory.
    final class Worker {
        let envs: Range<Int>
        let workspace: ActorCriticWorkspace<T>
        /// For the value of one final observation at a truncation.
        let singleWorkspace: ActorCriticWorkspace<T>
        let singleObservation: UnsafeMutablePointer<T>
        let envAction: UnsafeMutablePointer<Double>
        let logProbabilities: UnsafeMutablePointer<T>
        var error: Error?

        init(envs: Range<Int>, architecture: NetworkArchitecture, actionSize: Int) {
            self.envs = envs
            // The trainer's buffers: the training layout.
            let layout = architecture.trainingOffsets
            workspace = ActorCriticWorkspace(architecture: architecture, capacity: envs.count, offsets: layout)
            singleWorkspace = ActorCriticWorkspace(architecture: architecture, capacity: 1, offsets: layout)
            singleObservation = .allocate(count: architecture.observationSize, filledWith: 0)
            envAction = .allocate(count: actionSize, filledWith: 0)
            let outputs = architecture.distribution.outputSize
            logProbabilities = .allocate(count: outputs, filledWith: 0)
        }

        deinit {
            singleObservation.deallocate()
            envAction.deallocate()
            logProbabilities.deallocate()
        }
    }

    let vector: VectorEnvironment
    let architecture: NetworkArchitecture
    let workers: [Worker]
    /// Per-env action samplers, so sampling does not depend on which thread steps the env.
    let samplers: UnsafeMutablePointer<SeededGenerator>
    /// Per-env running discounted return of raw rewards, for reward scaling.
    let runningReturns: UnsafeMutablePointer<Double>
    private let actionLow: [Double]
    private let actionHigh: [Double]
    /// Runs the second of two workers (no thread wakes per rollout); more workers use Dispatch.
    private let helper: HelperThread?

    init(vector: VectorEnvironment, architecture: NetworkArchitecture, threads: Int, seed: UInt64,
         helper: HelperThread? = nil) {
        self.vector = vector
        self.helper = helper
        self.architecture = architecture
        let count = vector.count
        let workerCount = Swift.min(threads, count)
        workers = (0..<workerCount).map { w in
            Worker(envs: (w * count / workerCount)..<((w + 1) * count / workerCount),
                   architecture: architecture, actionSize: vector.spec.actionSpace.flatSize)
        }
        samplers = .allocate(capacity: count)
        for e in 0..<count {
            (samplers + e).initialize(to: SeededGenerator(seed: SeededGenerator.derive(seed, stream: 5000 + UInt64(e))))
        }
        runningReturns = .allocate(count: count, filledWith: 0)
        if case .box(let low, let high) = vector.spec.actionSpace {
            (actionLow, actionHigh) = (low, high)
        } else {
            (actionLow, actionHigh) = ([], [])
        }
    }

    deinit {
        samplers.deinitialize(count: vector.count)
        samplers.deallocate()
        runningReturns.deallocate()
    }

    /// Reward scaling as it stands for this rollout: divide by √(var + 1e-8) of the discounted
    /// return, clip; `nil` when off.
    struct RewardScaling {
        var gamma: Double
        var standardDeviation: Double
        var clip: Double
    }

    /// Where a rollout also keeps its forward passes, row t * envs + e for env e at step t (the
    /// buffer's order): the update's workspaces, when its first minibatch is the whole rollout.
    struct ForwardRecord {
        let actor: MLPWorkspace<T>
        let critic: MLPWorkspace<T>
    }

    @_specialize(where T == Float)
    func collect(into buffer: RolloutBuffer<T>, parameters: UnsafePointer<T>,
                 normalizer: ObservationNormalizer, rewardScaling: RewardScaling?, update: Int = 0,
                 recordingForwardIn record: ForwardRecord? = nil) throws {
        func collectSlice(_ w: Int) {
            let worker = workers[w]
            do {
                try run(worker, buffer: buffer, parameters: parameters, normalizer: normalizer,
                        rewardScaling: rewardScaling, update: update, record: record)
            } catch {
                worker.error = error
            }
        }
        if let helper, workers.count == 2 {
            helper.fork({ collectSlice(0) }, { collectSlice(1) })
        } else {
            runInParallel(workers.count, collectSlice)
        }
        for worker in workers {
            if let error = worker.error { worker.error = nil; throw error }
        }
    }

    @_specialize(where T == Float)
    private func run(_ worker: Worker, buffer: RolloutBuffer<T>, parameters: UnsafePointer<T>,
                     normalizer: ObservationNormalizer, rewardScaling: RewardScaling?, update: Int,
                     record: ForwardRecord?) throws {
        let envCount = vector.count
        let obsSize = architecture.observationSize
        let outSize = architecture.distribution.outputSize
        let actSize = buffer.actionSize
        let first = worker.envs.lowerBound
        let rows = worker.envs.count
        let logStd = parameters + architecture.logStdOffset
        let envActionBuffer = UnsafeBufferPointer(start: worker.envAction, count: vector.spec.actionSpace.flatSize)

        for t in 0..<buffer.steps {
            let base = t * envCount + first
            for e in worker.envs {
                let row = t * envCount + e
                (buffer.rawObservations + row * obsSize).update(from: vector.observations + e * obsSize, count: obsSize)
                normalizer.normalize(vector.observations + e * obsSize, into: buffer.observations + row * obsSize, count: obsSize)
            }
            let observations = UnsafePointer(buffer.observations + base * obsSize)
            let outputs = worker.workspace.forwardPolicy(parameters, observations: observations, rows: rows)
            let values = worker.workspace.forwardValue(parameters, observations: observations, rows: rows, runTrunk: false)
            (buffer.policyOutputs + base * outSize).update(from: outputs, count: rows * outSize)
            (buffer.values + base).update(from: values, count: rows)
            if let record {
                record.actor.storeRows(of: worker.workspace.actor, count: rows, at: base)
                record.critic.storeRows(of: worker.workspace.critic, count: rows, at: base)
            }

            for e in worker.envs {
                let row = t * envCount + e
                let output = UnsafePointer(buffer.policyOutputs + row * outSize)
                let action = buffer.actions + row * actSize
                switch architecture.distribution {
                case .gaussian(let d):
                    DiagonalGaussian.sample(mean: output, logStd: logStd, dimensions: d, into: action, rng: &samplers[e])
                    buffer.logProbabilities[row] = DiagonalGaussian.logProbability(
                        mean: output, logStd: logStd, action: UnsafePointer(action), dimensions: d)
                    // The env gets the sample clipped to its box; the buffer keeps the sample.
                    for i in 0..<d {
                        worker.envAction[i] = Swift.min(Swift.max(Double(action[i]), actionLow[i]), actionHigh[i])
                    }
                case .categorical(let n):
                    Categorical.logSoftmax(output, count: n, into: worker.logProbabilities)
                    let choice = Categorical.sample(logProbabilities: worker.logProbabilities, count: n, rng: &samplers[e])
                    action[0] = T(choice)
                    buffer.logProbabilities[row] = worker.logProbabilities[choice]
                    worker.envAction[0] = Double(choice)
                case .deterministic, .squashedGaussian:
                    preconditionFailure("PPO trains Gaussian and categorical policies; off-policy actors train in OffPolicyTrainer")
                }

                let result = try vector.step(e, action: envActionBuffer)
                var reward = result.reward
                guard reward.isFinite else { throw TrainingError.nonFinite(quantity: "a reward (env \(e))", update: update) }
                if let rewardScaling {
                    runningReturns[e] = runningReturns[e] * rewardScaling.gamma + reward
                    buffer.discountedReturns[row] = runningReturns[e]
                    if result.episodeEnded { runningReturns[e] = 0 }
                    reward = Swift.min(Swift.max(reward / rewardScaling.standardDeviation, -rewardScaling.clip), rewardScaling.clip)
                }
                buffer.rewards[row] = T(reward)
                buffer.episodeEnds[row] = result.episodeEnded
                buffer.truncated[row] = result.truncated
                if result.terminated {
                    buffer.nextValues[row] = 0
                } else if result.truncated {
                    normalizer.normalize(UnsafePointer(vector.finalObservations + e * obsSize),
                                         into: worker.singleObservation, count: obsSize)
                    buffer.nextValues[row] = worker.singleWorkspace.forwardValue(
                        parameters, observations: worker.singleObservation, rows: 1)[0]
                }
            }
        }
    }

    /// Values of the current observations (those after the rollout's last step), one per env.
    @_specialize(where T == Float)
    func currentValues(parameters: UnsafePointer<T>, normalizer: ObservationNormalizer,
                       into values: UnsafeMutablePointer<T>) {
        let obsSize = architecture.observationSize
        for worker in workers {
            for e in worker.envs {
                normalizer.normalize(vector.observations + e * obsSize, into: worker.singleObservation, count: obsSize)
                values[e] = worker.singleWorkspace.forwardValue(parameters, observations: worker.singleObservation, rows: 1)[0]
            }
        }
    }
}
