import CKernels
import Dispatch

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
