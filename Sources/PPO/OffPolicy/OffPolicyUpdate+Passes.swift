import Environments

/// The phases of one off-policy gradient step, each a forward pass and (for the losses) its
/// backward pass into the parameter block's gradients; `step` runs them in order, and the tests
/// run them one by one against finite differences.
extension OffPolicyUpdate {
    /// SAC: the standard normal draws behind this step's actions at the batch's observations.
    func drawPolicyNoise(rows: Int, rng: inout SeededGenerator) {
        for k in 0..<(rows * d) { noise[k] = T(rng.normal()) }
    }

    /// SAC: runs the actor on the batch's observations (kept for its backward pass) and draws
    /// its actions with the current noise; returns the mean log-probability.
    @discardableResult
    func samplePolicy(_ batch: OffPolicyBatch<T>) -> Double {
        let outputs = actorWorkspace.forward(parameters: actor.values, input: batch.observations, rows: batch.rows)
        var sum = 0.0
        for i in 0..<batch.rows {
            logProbabilities[i] = SquashedGaussian.sample(output: outputs + i * 2 * d, noise: noise + i * d,
                                                          dimensions: d, into: policyActions + i * d)
            sum += Double(logProbabilities[i])
        }
        return sum / Double(batch.rows)
    }

    /// The actor that picks the next actions (SAC's own, else the target actor) at s'.
    func forwardNextActor(_ batch: OffPolicyBatch<T>, helper: HelperThread? = nil) {
        nextActorWorkspace.forward(parameters: algorithm == .sac ? actor.values : targetActor,
                                   input: batch.nextObservations, rows: batch.rows, helper: helper)
    }

    /// The critics' regression targets y = r + γ (1 - terminal) (min_c Q'_c(s', a') - α log π(a'|s')).
    /// `nextActorDone`: the next actor's forward pass has run for this batch already.
    func computeTargets(_ batch: OffPolicyBatch<T>, alpha: T, rng: inout SeededGenerator, nextActorDone: Bool = false) {
        let rows = batch.rows
        copyObservations(batch.nextObservations, rows: rows, into: nextCriticInput)
        if !nextActorDone { forwardNextActor(batch) }
        let nextOutputs = nextActorWorkspace.output
        nextValues.update(repeating: 0, count: rows)
        switch algorithm {
        case .ddpg:
            writeActions(nextOutputs, rows: rows, into: nextCriticInput)
        case .td3:
            let sigma = settings.targetPolicyNoise, limit = settings.targetNoiseClip
            for i in 0..<rows {
                for j in 0..<d {
                    let smoothing = Swift.min(Swift.max(rng.normal() * sigma, -limit), limit)
                    let a = T.tanh(nextOutputs[i * d + j]) + T(smoothing)
                    nextCriticInput[i * (n + d) + n + j] = Swift.min(Swift.max(a, -1), 1)
                }
            }
        case .sac:
            for k in 0..<(rows * d) { nextNoise[k] = T(rng.normal()) }
            for i in 0..<rows {
                let logProbability = SquashedGaussian.sample(output: nextOutputs + i * 2 * d, noise: nextNoise + i * d,
                                                             dimensions: d, into: nextCriticInput + i * (n + d) + n)
                nextValues[i] = -alpha * logProbability
            }
        case .ppo:
            preconditionFailure("PPO has its own update")
        }
        forEachCritic { c, split in
            let q = self.targetCriticWorkspaces[c].forward(parameters: self.targetCritics + c * self.criticParameters,
                                                          input: self.nextCriticInput, rows: rows, helper: split)
            self.values[c].update(from: q, count: rows)
        }
        let gamma = T(settings.gamma)
        for i in 0..<rows {
            let minimum = architecture.criticCount == 2 ? Swift.min(values[0][i], values[1][i]) : values[0][i]
            targets[i] = batch.rewards[i] + gamma * (1 - batch.terminals[i]) * (minimum + nextValues[i])
        }
    }

    /// The critics' loss against the targets, with its gradients in `critics.gradients`: the sum
    /// over critics of each one's mean squared error, halved for SAC (as Stable-Baselines3 does).
    func criticLossAndGradients(_ batch: OffPolicyBatch<T>) -> Double {
        let rows = batch.rows
        let inverseRows = 1 / T(rows)
        copyObservations(batch.observations, rows: rows, into: criticInput)
        for i in 0..<rows { (criticInput + i * (n + d) + n).update(from: batch.actions + i * d, count: d) }
        // The backward passes write the weight gradients; only the biases' are added into.
        for c in 0..<architecture.criticCount {
            criticWorkspaces[c].zeroBiasGradients(critics.gradients + c * criticParameters)
        }
        let lossScale: T = algorithm == .sac ? 0.5 : 1
        forEachCritic { c, split in
            let q = self.criticWorkspaces[c].forward(parameters: self.critics.values + c * self.criticParameters,
                                                    input: self.criticInput, rows: rows, helper: split)
            var sum = 0.0
            for i in 0..<rows {
                let error = q[i] - self.targets[i]
                sum += Double(error * error)
                self.outputGradients[c][i] = 2 * lossScale * error * inverseRows
            }
            self.criticLossParts[c] = Double(lossScale) * sum / Double(rows)
            self.criticWorkspaces[c].backward(parameters: self.critics.values + c * self.criticParameters,
                                              outputGradient: self.outputGradients[c],
                                              gradients: self.critics.gradients + c * self.criticParameters, helper: split,
                                              overwritingWeights: true)
        }
        return (0..<architecture.criticCount).reduce(0) { $0 + criticLossParts[$1] }
    }

    /// The actor's loss, with its gradients in `actor.gradients` (SAC: for the actions of the
    /// last `samplePolicy`). `forwardDone`: the actor has just run on the batch's observations.
    func actorLossAndGradients(_ batch: OffPolicyBatch<T>, alpha: T, forwardDone: Bool = false) -> Double {
        Double(algorithm == .sac ? sacActorLoss(batch, alpha: alpha) : deterministicActorLoss(batch, forwardDone: forwardDone))
    }

    /// The targets of the last `computeTargets`, for tests.
    func target(_ row: Int) -> T { targets[row] }
    /// SAC's noise behind the next actions of the last `computeTargets`, for tests.
    func nextNoise(_ index: Int) -> T { nextNoise[index] }

    /// DDPG and TD3: minimize -mean Q₁(s, tanh(actor(s))); returns that loss.
    func deterministicActorLoss(_ batch: OffPolicyBatch<T>, forwardDone: Bool) -> T {
        let rows = batch.rows, inverseRows = 1 / T(rows)
        if !forwardDone { actorWorkspace.forward(parameters: actor.values, input: batch.observations, rows: rows) }
        let outputs = actorWorkspace.output
        copyObservations(batch.observations, rows: rows, into: policyCriticInput)
        writeActions(outputs, rows: rows, into: policyCriticInput)
        let q = criticWorkspaces[0].forward(parameters: critics.values, input: policyCriticInput, rows: rows, helper: helper)
        var loss: T = 0
        for i in 0..<rows { loss -= q[i] * inverseRows; outputGradients[0][i] = -inverseRows }
        criticWorkspaces[0].backward(parameters: critics.values, outputGradient: outputGradients[0], gradients: nil,
                                     inputGradient: inputGradients[0], helper: helper)
        for i in 0..<rows {
            for j in 0..<d {
                let a = policyCriticInput[i * (n + d) + n + j]
                actorOutputGradient[i * d + j] = inputGradients[0][i * (n + d) + n + j] * (1 - a * a)
            }
        }
        actorWorkspace.zeroBiasGradients(actor.gradients)
        actorWorkspace.backward(parameters: actor.values, outputGradient: actorOutputGradient, gradients: actor.gradients,
                                helper: helper, overwritingWeights: true)
        return loss
    }

    /// SAC: minimize mean(α log π(a|s) - min_c Q_c(s, a)) over the actions sampled at the start
    /// of the step, valued by the critics just stepped; returns that loss.
    func sacActorLoss(_ batch: OffPolicyBatch<T>, alpha: T) -> T {
        let rows = batch.rows, inverseRows = 1 / T(rows)
        copyObservations(batch.observations, rows: rows, into: policyCriticInput)
        for i in 0..<rows { (policyCriticInput + i * (n + d) + n).update(from: policyActions + i * d, count: d) }
        forEachCritic { c, _ in
            let q = self.criticWorkspaces[c].forward(parameters: self.critics.values + c * self.criticParameters,
                                                    input: self.policyCriticInput, rows: rows)
            self.values[c].update(from: q, count: rows)
        }
        var loss: T = 0
        for i in 0..<rows {
            let first = values[0][i] <= values[1][i]
            let minimum = first ? values[0][i] : values[1][i]
            loss += (alpha * logProbabilities[i] - minimum) * inverseRows
            outputGradients[0][i] = first ? -inverseRows : 0
            outputGradients[1][i] = first ? 0 : -inverseRows
        }
        forEachCritic { c, _ in
            self.criticWorkspaces[c].backward(parameters: self.critics.values + c * self.criticParameters,
                                              outputGradient: self.outputGradients[c], gradients: nil,
                                              inputGradient: self.inputGradients[c])
        }
        let outSize = 2 * d
        actorOutputGradient.update(repeating: 0, count: rows * outSize)
        let outputs = actorWorkspace.output
        for i in 0..<rows {
            // The action's gradient from the critics; the first critic's block doubles as scratch.
            for j in 0..<d {
                let k = i * (n + d) + n + j
                inputGradients[0][k] += inputGradients[1][k]
            }
            SquashedGaussian.addGradient(output: outputs + i * outSize, noise: noise + i * d, action: policyActions + i * d,
                                         dimensions: d, logProbabilityScale: alpha * inverseRows,
                                         actionGradient: inputGradients[0] + i * (n + d) + n,
                                         into: actorOutputGradient + i * outSize)
        }
        actorWorkspace.zeroBiasGradients(actor.gradients)
        actorWorkspace.backward(parameters: actor.values, outputGradient: actorOutputGradient, gradients: actor.gradients,
                                helper: helper, overwritingWeights: true)
        return loss
    }
}
