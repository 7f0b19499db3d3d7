import CKernels
import Dispatch
import Environments

/// Times the matrix-product kernel at a given shape, for `gym bench-kernels` (comparing it with
/// a BLAS at the sizes PPO meets).
public enum KernelBenchmark {
    /// Which version of the C kernels this CPU runs: "avx512", "avx2+fma" or "portable".
    public static var kernelVersion: String { String(cString: gym_kernels_path()) }

    /// A version of the kernels: its level (for `withVersion`) and its name.
    public struct Version: Sendable {
        public let level: Int32
        public var name: String { String(cString: gym_kernels_level_name(level)) }
    }

    /// The vector versions of the matrix product this process may run, best first (the portable
    /// one only when there is no other).
    public static var vectorVersions: [Version] {
        let best = gym_kernels_level()
        return (best == 0 ? [0] : Array((1...best).reversed())).map { Version(level: $0) }
    }

    /// Runs `body` with the kernels capped at `version`, then restores the cap there was. Not
    /// for use while training runs.
    public static func withVersion<R>(_ version: Version, _ body: () -> R) -> R {
        let previous = gym_kernels_set_ceiling(version.level)
        defer { gym_kernels_set_ceiling(previous) }
        return body()
    }

    /// `time` over arrays: A (m x k, or k x m read transposed), B (k x n), C (m x n).
    public static func time(m: Int, n: Int, k: Int, transposedA: Bool, iterations: Int, a: [Float], b: [Float],
                            c: inout [Float]) -> Double {
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
            time(m: m, n: n, k: k, transposedA: transposedA, iterations: iterations, a: ap.baseAddress!,
                 b: bp.baseAddress!, c: cp.baseAddress!)
        } } }
    }

    /// Seconds for `iterations` products C (m x n) = A B, A read transposed if asked.
    public static func time(m: Int, n: Int, k: Int, transposedA: Bool, iterations: Int,
                            a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations {
            MatrixMultiply.multiply(m: m, n: n, k: k, a: a, aRowStride: transposedA ? 1 : k,
                                    aColumnStride: transposedA ? m : 1, b: b, c: c, accumulate: false)
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

/// Where one minibatch's time goes in one network on one core: the passes the update runs
/// (MLPWorkspace's forward and backward, the Adam step, the gradient norm), timed as they run
/// in training, for `gym bench-kernels --network`.
public struct MinibatchCost: Sendable {
    public var forward = 0.0
    /// The hidden layers' tanh alone (part of `forward`), timed over outputs of the same size.
    public var tanh = 0.0
    public var backward = 0.0
    public var adam = 0.0
    public var norm = 0.0
    public var parameters = 0
    /// The matrix products' multiply-adds of one minibatch, forward and backward.
    public var multiplyAdds = 0
    public var total: Double { forward + backward + adam + norm }

    /// Median seconds of each part over repetitions that take about `seconds` in all, for a
    /// tanh network of `sizes` (input, hidden..., output) on minibatches of `rows`.
    public static func measure(sizes: [Int], rows: Int, seconds: Double = 1) -> MinibatchCost {
        let shape = MLPShape(sizes: sizes, activation: .tanh)
        let workspace = MLPWorkspace<Float>(shape: shape, capacity: rows)
        let parameters = ParameterBuffer<Float>(count: shape.parameterCount)
        let adam = Adam<Float>(count: shape.parameterCount)
        var generator = SeededGenerator(seed: 1)
        for i in 0..<shape.parameterCount { parameters.values[i] = Float(generator.normal(mean: 0, standardDeviation: 0.1)) }
        let input = UnsafeMutablePointer<Float>.allocate(count: rows * shape.inputSize, filledWith: 0)
        let outputGradient = UnsafeMutablePointer<Float>.allocate(count: rows * shape.outputSize, filledWith: 0)
        let hiddenWidth = sizes.dropFirst().dropLast().reduce(0, +)
        let tanhScratch = UnsafeMutablePointer<Float>.allocate(count: Swift.max(1, rows * hiddenWidth), filledWith: 0)
        defer { input.deallocate(); outputGradient.deallocate(); tanhScratch.deallocate() }
        for i in 0..<(rows * shape.inputSize) { input[i] = Float(generator.normal(mean: 0, standardDeviation: 1)) }
        for i in 0..<(rows * shape.outputSize) { outputGradient[i] = Float(generator.normal(mean: 0, standardDeviation: 0.01)) }

        func clock() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
        var samples: [[Double]] = Array(repeating: [], count: 5)
        let start = clock()
        repeat {
            var t = clock()
            func lap(_ part: Int) { let now = clock(); samples[part].append(Double(now - t) / 1e9); t = now }
            workspace.forward(parameters: UnsafePointer(parameters.values), input: input, rows: rows)
            lap(0)
            for i in 0..<(rows * hiddenWidth) { tanhScratch[i] = Float(i % 97) * 0.05 - 2.4 }
            t = clock()
            Float.tanhInPlace(tanhScratch, count: rows * hiddenWidth)
            lap(1)
            workspace.backward(parameters: UnsafePointer(parameters.values), outputGradient: outputGradient,
                               gradients: parameters.gradients, overwritingWeights: true)
            lap(2)
            adam.advance()
            adam.step(parameters, learningRate: 1e-4)
            lap(3)
            _ = parameters.gradientSquaredNorm(in: 0..<shape.parameterCount)
            lap(4)
        } while Double(clock() - start) / 1e9 < seconds || samples[0].count < 5
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        return MinibatchCost(forward: median(samples[0]), tanh: median(samples[1]), backward: median(samples[2]),
                             adam: median(samples[3]), norm: median(samples[4]), parameters: shape.parameterCount,
                             multiplyAdds: rows * shape.trainingMultiplyAdds(inputGradient: false))
    }
}
