import Environments
import Foundation
import Testing
@testable import PPO

/// Closed forms and hand-computed values.
@Suite struct ReferenceValueTests {
    @Test func gaussianClosedForms() {
        let mean = [0.3], logStd = [log(0.5)], action = [1.0]
        // z = 1.4: -z²/2 - log σ - log √(2π).
        let logProbability = DiagonalGaussian.logProbability(mean: mean, logStd: logStd, action: action, dimensions: 1)
        #expect(abs(logProbability - -1.2057913) < 1e-6)
        // ½ log(2πe) + log σ.
        #expect(abs(DiagonalGaussian.entropy(logStd: logStd, dimensions: 1) - 0.7257913) < 1e-6)
        // KL(N(0, 1) ‖ N(1, 2²)) = log 2 + (1 + 1) / 8 - ½.
        let kl = DiagonalGaussian.kl(oldMean: [0.0], oldLogStd: [0.0], mean: [1.0], logStd: [log(2.0)], dimensions: 1)
        #expect(abs(kl - 0.4431472) < 1e-6)
        // Dimensions add.
        let two = DiagonalGaussian.kl(oldMean: [0.0, 0.0], oldLogStd: [0.0, 0.0], mean: [1.0, 1.0],
                                      logStd: [log(2.0), log(2.0)], dimensions: 2)
        #expect(abs(two - 2 * 0.4431472) < 1e-6)
        #expect(DiagonalGaussian.kl(oldMean: [0.2], oldLogStd: [0.1], mean: [0.2], logStd: [0.1], dimensions: 1) == 0)
    }

    @Test func categoricalClosedForms() {
        var logProbabilities = [0.0, 0.0, 0.0]
        Categorical.logSoftmax([0.0, log(2.0), log(3.0)], count: 3, into: &logProbabilities)
        let probabilities = logProbabilities.map { exp($0) }
        let expected: [Double] = [1.0 / 6, 2.0 / 6, 3.0 / 6]
        for i in 0..<3 { #expect(abs(probabilities[i] - expected[i]) < 1e-12) }
        #expect(abs(Categorical.entropy(logProbabilities: logProbabilities, count: 3) - 1.0114043) < 1e-6)
        let uniform = [log(1.0 / 3), log(1.0 / 3), log(1.0 / 3)]
        #expect(abs(Categorical.kl(old: logProbabilities, new: uniform, count: 3) - 0.0872075) < 1e-6)
        // Large logits must not overflow.
        Categorical.logSoftmax([1000.0, 0.0, 1000.0], count: 3, into: &logProbabilities)
        #expect(abs(logProbabilities[0] - log(0.5)) < 1e-12 && logProbabilities[1] < -999)
    }

    @Test func samplesFollowTheirDistributions() {
        var rng = SeededGenerator(seed: 5)
        var action = [0.0]
        var sum = 0.0, sumSquares = 0.0
        let n = 20_000
        for _ in 0..<n {
            DiagonalGaussian.sample(mean: [1.5], logStd: [log(0.5)], dimensions: 1, into: &action, rng: &rng)
            sum += action[0]; sumSquares += action[0] * action[0]
        }
        let mean = sum / Double(n)
        #expect(abs(mean - 1.5) < 0.02)
        #expect(abs((sumSquares / Double(n) - mean * mean).squareRoot() - 0.5) < 0.02)
        var counts = [0, 0, 0]
        let logProbabilities = [log(0.2), log(0.3), log(0.5)]
        for _ in 0..<n { counts[Categorical.sample(logProbabilities: logProbabilities, count: 3, rng: &rng)] += 1 }
        let expected: [Double] = [0.2, 0.3, 0.5]
        for i in 0..<3 { #expect(abs(Double(counts[i]) / Double(n) - expected[i]) < 0.015) }
    }

    /// One env, five steps, γ = 0.9, λ = 0.8: step 1 terminates (no bootstrap), step 3 is
    /// truncated by the time limit (bootstraps from its final observation's value, 10), and the
    /// rollout ends mid-episode (bootstraps from the value after it, 3).
    @Test func gaeHandComputedExample() {
        let buffer = RolloutBuffer<Double>(steps: 5, envs: 1, observationSize: 1, actionSize: 1, outputSize: 1)
        let rewards = [1.0, 2, 3, 4, 5], values = [0.5, 1.0, 1.5, 2.0, 2.5], ends = [false, true, false, true, false]
        for t in 0..<5 { buffer.rewards[t] = rewards[t]; buffer.values[t] = values[t]; buffer.episodeEnds[t] = ends[t] }
        buffer.nextValues[1] = 0     // terminated
        buffer.nextValues[3] = 10    // truncated: V(final observation)
        buffer.linkNextValues(lastValues: [3.0])
        #expect((0..<5).map { buffer.nextValues[$0] } == [1.0, 0, 2.0, 10, 3])
        GeneralizedAdvantageEstimation.compute(steps: 5, envs: 1, gamma: 0.9, lambda: 0.8, rewards: buffer.rewards,
                                               values: buffer.values, nextValues: buffer.nextValues,
                                               episodeEnds: buffer.episodeEnds, advantages: buffer.advantages,
                                               returns: buffer.returns)
        // δ = [1.4, 1.0, 3.3, 11.0, 5.2]; A_t = δ_t + 0.72·A_{t+1} within an episode.
        let expected = [2.12, 1.0, 11.22, 11.0, 5.2]
        for t in 0..<5 {
            #expect(abs(buffer.advantages[t] - expected[t]) < 1e-12, "A[\(t)] = \(buffer.advantages[t])")
            #expect(abs(buffer.returns[t] - (expected[t] + values[t])) < 1e-12)
        }
    }

    /// Two envs interleaved (row t * 2 + e): each env's advantages only use its own rows.
    @Test func gaeKeepsEnvsApart() {
        let buffer = RolloutBuffer<Double>(steps: 2, envs: 2, observationSize: 1, actionSize: 1, outputSize: 1)
        // env 0: rewards 1, 1; env 1: rewards 0, 0; all values 0; no ends; last values 0.
        buffer.rewards[0] = 1; buffer.rewards[2] = 1
        buffer.linkNextValues(lastValues: [0, 0])
        GeneralizedAdvantageEstimation.compute(steps: 2, envs: 2, gamma: 0.5, lambda: 1, rewards: buffer.rewards,
                                               values: buffer.values, nextValues: buffer.nextValues,
                                               episodeEnds: buffer.episodeEnds, advantages: buffer.advantages,
                                               returns: buffer.returns)
        #expect((0..<4).map { buffer.advantages[$0] } == [1.5, 0, 1, 0])
    }

    /// PyTorch's Adam with lr 0.1, ε 1e-5, from p = [1, -2] with g = [0.5, -0.1].
    @Test func adamMatchesHandComputedSteps() {
        let parameters = ParameterBuffer<Double>(count: 2)
        parameters.load([1, -2])
        let adam = Adam<Double>(count: 2, epsilon: 1e-5)
        parameters.gradients[0] = 0.5
        parameters.gradients[1] = -0.1
        adam.advance()
        adam.step(parameters, learningRate: 0.1)
        // m̂ = g, √v̂ = |g|: p -= 0.1 · g / (|g| + 1e-5).
        #expect(abs(parameters.values[0] - 0.9000019999600008) < 1e-12)
        #expect(abs(parameters.values[1] - -1.9000099990001) < 1e-12)
        adam.advance()
        adam.step(parameters, learningRate: 0.1)
        // Same gradient again: m̂ = g and v̂ = g² still, so the step repeats.
        #expect(abs(parameters.values[0] - (0.9000019999600008 - 0.05 / 0.50001 * 1)) < 1e-9)
    }

    @Test func adaptiveKLRuleHalvesAndDoubles() {
        #expect(Trainer.adaptedKLCoef(1, kl: 0.005, target: 0.01) == 0.5)
        #expect(Trainer.adaptedKLCoef(1, kl: 0.0067, target: 0.01) == 1)
        #expect(Trainer.adaptedKLCoef(1, kl: 0.0149, target: 0.01) == 1)
        #expect(Trainer.adaptedKLCoef(1, kl: 0.02, target: 0.01) == 2)
    }

    @Test(arguments: [(64, 64), (3, 64), (64, 1), (64, 2)])
    func orthogonalInitializationIsOrthogonal(shape: (Int, Int)) {
        let (rows, columns) = shape
        var weights = [Double](repeating: 0, count: rows * columns)
        var rng = SeededGenerator(seed: 9)
        OrthogonalInitialization.fill(&weights, rows: rows, columns: columns, gain: 2.0.squareRoot(), rng: &rng)
        // The shorter side's vectors are orthogonal with norm = gain.
        let short = min(rows, columns)
        func vector(_ v: Int) -> [Double] {
            rows <= columns ? Array(weights[(v * columns)..<((v + 1) * columns)]) : (0..<rows).map { weights[$0 * columns + v] }
        }
        for u in 0..<short {
            for v in u..<short {
                let product = zip(vector(u), vector(v)).reduce(0) { $0 + $1.0 * $1.1 }
                #expect(abs(product - (u == v ? 2 : 0)) < 1e-9)
            }
        }
    }

    @Test func runningMeanStdMatchesDirectStatistics() {
        var statistics = RunningMeanStd(size: 2)
        let data: [Double] = randomArray(2 * 30, seed: 3, scale: 5)
        data.withUnsafeBufferPointer { p in
            statistics.update(p.baseAddress!, batchCount: 12)
            statistics.update(p.baseAddress! + 24, batchCount: 18)
        }
        for i in 0..<2 {
            let column = (0..<30).map { data[$0 * 2 + i] }
            let mean = column.reduce(0, +) / 30
            let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 30
            // The prior (count 1e-4 at mean 0, variance 1) shifts the result by about 1e-5.
            #expect(abs(statistics.mean[i] - mean) < 1e-4)
            #expect(abs(statistics.variance[i] - variance) < 1e-3)
        }
        #expect(abs(statistics.count - 30.0001) < 1e-9)
    }
}
