import CKernels
import Dispatch

/// Times the matrix-product kernel at a given shape, for `gym bench-kernels` (comparing it with
/// a BLAS at the sizes PPO meets).
public enum KernelBenchmark {
    /// Which version of the C kernels this CPU runs: "avx2+fma" or "portable".
    public static var kernelVersion: String { String(cString: gym_kernels_path()) }

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
