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

        With --network, where one minibatch's time goes in one tanh network on one core, as \
        the PPO update runs it: the forward pass (and the tanh within it), the backward pass, \
        the Adam step and the gradient norm, against the time of the products' multiply-adds \
        at the kernels' rate for the network's largest layer.

          gym bench-kernels
          gym bench-kernels --network 4,64,64,2 --rows 256    # CartPole's actor
          gym bench-kernels --network 3,256,256,1 --rows 64   # a 256-wide critic
        """
    )

    @Option(help: "Multiply-adds per shape (more for steadier figures).")
    var work: Double = 2e9

    @Option(help: "Layer sizes of a network to time one minibatch of: input, hidden..., output (e.g. 4,64,64,2).")
    var network: String?

    @Option(help: "Rows of the minibatch timed with --network.")
    var rows = 64

    /// What --network may ask for: the buffers it allocates (layer outputs, gradients, the
    /// parameters with Adam's moments) stay under this many floats, 256 MiB.
    static let largestFloatCount = 64 << 20

    func validate() throws {
        // Not NaN, not past what an Int holds (it becomes an iteration count), not hours long.
        guard work.isFinite, work >= 1e6, work <= 1e12 else {
            throw ValidationError("--work must be from 1e6 to 1e12 multiply-adds")
        }
        guard (1...4096).contains(rows) else { throw ValidationError("--rows must be between 1 and 4096") }
        guard let network else { return }
        guard let sizes = Self.sizes(network) else {
            throw ValidationError("--network must be layer sizes separated by commas, at least two, each 1 to 4096 (e.g. 4,64,64,2)")
        }
        let parameters = MLPShape(sizes: sizes, activation: .tanh).parameterCount
        let floats = rows * (sizes.reduce(0, +) + 2 * sizes.max()!) + 4 * parameters
        guard floats <= Self.largestFloatCount else {
            throw ValidationError("--network \(network) with --rows \(rows) needs \((floats * 4) >> 20) MiB of buffers; at most \((Self.largestFloatCount * 4) >> 20) MiB")
        }
    }

    /// "4,64,64,2" as sizes, or nil unless there are at least two, each 1 to 4096.
    static func sizes(_ text: String) -> [Int]? {
        let sizes = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard sizes.count >= 2, sizes.count <= 64, sizes.allSatisfy({ $0 != nil && (1...4096).contains($0!) }) else { return nil }
        return sizes.map { $0! }
    }

    typealias SGEMM = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>, Int32,
                                      UnsafePointer<Float>, Int32, Float, UnsafeMutablePointer<Float>, Int32) -> Void

    func run() throws {
        if let network, let sizes = Self.sizes(network) { return timeMinibatch(sizes: sizes) }
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
                    KernelBenchmark.time(m: m, n: n, k: k, transposedA: transposed, iterations: iterations, a: a, b: b, c: &c)
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

    /// The --network table: one minibatch's parts, their share, and the products' floor.
    private func timeMinibatch(sizes: [Int]) {
        // The kernels' rate at the largest layer's product (the best of three timings: the
        // machine's speed drifts), the floor the passes are measured against.
        let products: [Int] = (0..<(sizes.count - 1)).map { layer in sizes[layer] * sizes[layer + 1] }
        let largest = products.firstIndex(of: products.max()!)!
        let (m, k, n) = (rows, sizes[largest], sizes[largest + 1])
        let a = [Float](repeating: 0.1, count: m * k), b = [Float](repeating: 0.2, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        let iterations = max(1, Int(3e8 / Double(m * n * k)))
        let fastest = (0..<3).map { _ in
            KernelBenchmark.time(m: m, n: n, k: k, transposedA: false, iterations: iterations, a: a, b: b, c: &c)
        }.min()!
        let peak = Double(m * n * k * iterations) / fastest
        let cost = MinibatchCost.measure(sizes: sizes, rows: rows)
        let layers = sizes.map(String.init).joined(separator: "-")
        Console.line("one minibatch of \(rows) rows through a \(layers) \(sizes.count > 2 ? "tanh network" : "linear layer"), one core (\(KernelBenchmark.kernelVersion)), median microseconds:")
        func row(_ name: String, _ seconds: Double, _ note: String = "") {
            let share = String(format: "%5.1f%%", 100 * seconds / cost.total)
            Console.line("  " + name.padding(toLength: 44, withPad: " ", startingAt: 0)
                         + String(format: "%9.2f", seconds * 1e6) + "  " + share + (note.isEmpty ? "" : "  " + note))
        }
        row("forward pass", cost.forward, sizes.count > 2 ? String(format: "of which tanh %.2f", cost.tanh * 1e6) : "")
        row("backward pass (weight and input gradients)", cost.backward)
        row("Adam step (\(cost.parameters) parameters)", cost.adam)
        row("gradient norm", cost.norm)
        row("total", cost.total)
        let floor = Double(cost.multiplyAdds) / peak
        Console.line(String(format: "  the products' %.2fM multiply-adds at this core's rate for the largest layer's shape (%.1f GFLOP/s): %.2f us, %.0f%% of the total",
                            Double(cost.multiplyAdds) / 1e6, 2 * peak / 1e9, floor * 1e6, 100 * floor / cost.total))
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
