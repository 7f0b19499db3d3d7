import ArgumentParser
import Dispatch
import Foundation
import PPO

struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-kernels",
        abstract: "Compare gym's matrix-product kernel with OpenBLAS at the sizes PPO uses.",
        discussion: """
        One core. Shapes are (rows x inner) times (inner x columns): minibatch rows through a \
        64-wide layer, the small first and last layers, and the transposed products of the \
        backward pass. OpenBLAS is loaded at run time if installed (Debian: libopenblas-dev); \
        gym itself does not link it.

          gym bench-kernels
        """
    )

    @Option(help: "Multiply-adds per shape (more for steadier figures).")
    var work: Double = 2e9

    typealias SGEMM = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>, Int32,
                                      UnsafePointer<Float>, Int32, Float, UnsafeMutablePointer<Float>, Int32) -> Void

    func run() throws {
        let blas = loadOpenBLAS()
        let versions = KernelBenchmark.vectorVersions
        Console.line("matrix products, one core, GFLOP/s (2 flops per multiply-add); training runs \(KernelBenchmark.kernelVersion)")
        Console.line("  " + "shape (m x k) x (k x n)".padding(toLength: 33, withPad: " ", startingAt: 0)
                     + "use".padding(toLength: 35, withPad: " ", startingAt: 0)
                     + versions.map { version in
                         let label = "gym \(version.name)"
                         return String(repeating: " ", count: max(1, 14 - label.count)) + label
                     }.joined() + "    OpenBLAS")
        let shapes: [(Int, Int, Int, Bool, String)] = [
            (64, 64, 64, false, "hidden layer, minibatch 64"),
            (256, 64, 64, false, "hidden layer, minibatch 256"),
            (8, 64, 64, false, "hidden layer, 8 envs acting"),
            (8, 256, 256, false, "256-wide layer, 8 envs acting"),
            (64, 3, 64, false, "first layer, 3 observations"),
            (64, 64, 1, false, "value head"),
            (64, 64, 64, true, "weight gradient Xᵀ dY, 64 rows"),
            (64, 256, 64, true, "weight gradient Xᵀ dY, 256 rows"),
            (64, 256, 256, false, "256-wide layer, minibatch 64"),
            (256, 256, 256, false, "256-wide layer, minibatch 256"),
            (256, 64, 256, true, "256-wide Xᵀ dY, 64 rows"),
            (256, 256, 256, true, "256-wide Xᵀ dY, 256 rows"),
            (64, 512, 512, false, "512-wide layer, minibatch 64"),
            (512, 64, 512, true, "512-wide Xᵀ dY, 64 rows"),
            (256, 400, 300, false, "400x300 layer, batch 256 (TD3)"),
            (400, 256, 300, true, "400x300 Xᵀ dY, 256 rows (TD3)"),
            (256, 300, 400, false, "400x300 dY Wᵀ, 256 rows (TD3)"),
            (4, 256, 400, true, "first layer Xᵀ dY, 4 inputs (TD3)"),
        ]
        for (m, k, n, transposed, use) in shapes {
            let a = [Float]((0..<(m * k)).map { Float($0 % 7) * 0.1 - 0.3 })
            let b = [Float]((0..<(k * n)).map { Float($0 % 5) * 0.1 - 0.2 })
            var c = [Float](repeating: 0, count: m * n)
            let iterations = max(1, Int(work / Double(m * n * k)))
            let flops = 2 * Double(m * n * k) * Double(iterations)
            let ours = versions.map { version in
                KernelBenchmark.withVersion(version) {
                    a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                        KernelBenchmark.time(m: m, n: n, k: k, transposedA: transposed, iterations: iterations,
                                             a: ap.baseAddress!, b: bp.baseAddress!, c: cp.baseAddress!)
                    } } }
                }
            }
            var theirs = "not installed"
            if let sgemm = blas {
                let start = DispatchTime.now().uptimeNanoseconds
                a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                    for _ in 0..<iterations {
                        // Row-major (101); A transposed (112) or not (111); B not transposed.
                        sgemm(101, transposed ? 112 : 111, 111, Int32(m), Int32(n), Int32(k), 1, ap.baseAddress!,
                              Int32(transposed ? m : k), bp.baseAddress!, Int32(n), 0, cp.baseAddress!, Int32(n))
                    }
                } } }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                theirs = String(format: "%8.1f", flops / seconds / 1e9)
            }
            let shape = "(\(m) x \(k)) x (\(k) x \(n))\(transposed ? " Aᵀ" : "")"
            Console.line("  " + shape.padding(toLength: 33, withPad: " ", startingAt: 0)
                  + use.padding(toLength: 35, withPad: " ", startingAt: 0)
                  + ours.map { String(format: "%14.1f", flops / $0 / 1e9) }.joined() + "    " + theirs)
        }
    }

    private func loadOpenBLAS() -> SGEMM? {
        for name in ["libopenblas.so.0", "libopenblas.so"] {
            guard let handle = dlopen(name, RTLD_NOW) else { continue }
            if let setThreads = dlsym(handle, "openblas_set_num_threads") {
                unsafeBitCast(setThreads, to: (@convention(c) (Int32) -> Void).self)(1)
            }
            if let symbol = dlsym(handle, "cblas_sgemm") { return unsafeBitCast(symbol, to: SGEMM.self) }
        }
        return nil
    }
}
