import CLua
import Foundation

/// The host's random generator: the same xoshiro256** that scripts get as `rng`, so a seed
/// means the same stream on both sides. Conforms to `RandomNumberGenerator` for Swift APIs.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state = gym_rng()

    public init(seed: UInt64) { gym_rng_seed(&state, seed) }

    /// The generator's four state words, for checkpoints; `init(words:)` continues the stream.
    public var words: [UInt64] { [state.s.0, state.s.1, state.s.2, state.s.3] }

    public init(words: [UInt64]) {
        precondition(words.count == 4, "a generator state is four words")
        state.s = (words[0], words[1], words[2], words[3])
    }

    public mutating func next() -> UInt64 { gym_rng_next(&state) }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Double = 0, _ high: Double = 1) -> Double {
        gym_rng_uniform(&state, low, high)
    }

    public mutating func normal(mean: Double = 0, standardDeviation: Double = 1) -> Double {
        gym_rng_normal(&state, mean, standardDeviation)
    }

    /// Uniform integer in the closed range.
    public mutating func integer(in range: ClosedRange<Int64>) -> Int64 {
        gym_rng_integer(&state, range.lowerBound, range.upperBound)
    }

    /// Derives an independent seed for a sub-stream (an env's scenario, an action sampler).
    public static func derive(_ seed: UInt64, stream: UInt64) -> UInt64 {
        var x = seed ^ (stream &* 0xD1B5_4A32_D192_ED03)
        return gym_splitmix64(&x)
    }
}

extension Space {
    /// Writes a uniformly random element into `values` (Gymnasium's rule for unbounded boxes:
    /// normal where both bounds are infinite, exponential from the finite side otherwise).
    public func sample(into values: UnsafeMutableBufferPointer<Double>, using rng: inout SeededGenerator) {
        switch self {
        case .discrete(let n):
            values[0] = Double(rng.integer(in: 0...Int64(n - 1)))
        case .box(let low, let high):
            for i in 0..<low.count {
                switch (low[i].isFinite, high[i].isFinite) {
                case (true, true): values[i] = rng.uniform(low[i], high[i])
                case (false, false): values[i] = rng.normal()
                case (true, false): values[i] = low[i] - log(1 - rng.uniform())
                case (false, true): values[i] = high[i] + log(1 - rng.uniform())
                }
            }
        }
    }
}
