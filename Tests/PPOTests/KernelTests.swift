import Foundation
import Testing
@testable import PPO

@Suite struct KernelTests {
    /// Every tile path (4x16, 4x8, scalar columns, single rows) against a plain triple loop, for
    /// a normal and a transposed A, with and without accumulation.
    @Test(arguments: [(1, 1, 1), (3, 5, 7), (4, 16, 3), (7, 64, 64), (64, 64, 64), (13, 27, 9), (64, 1, 64), (3, 64, 33), (64, 1, 64), (20, 3, 19), (9, 2, 8), (64, 7, 300)])
    func multiplyMatchesTripleLoop(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let a: [Double] = randomArray(m * k, seed: 1)
        let b: [Double] = randomArray(k * n, seed: 2)
        let initial: [Double] = randomArray(m * n, seed: 3)
        for transposed in [false, true] {
            for accumulate in [false, true] {
                // Stored as k x m when transposed: element (i, p) at p * m + i.
                let stored = transposed ? (0..<(k * m)).map { idx in a[(idx % m) * k + idx / m] } : a
                var c = initial
                stored.withUnsafeBufferPointer { ap in
                    b.withUnsafeBufferPointer { bp in
                        c.withUnsafeMutableBufferPointer { cp in
                            MatrixMultiply.multiply(m: m, n: n, k: k, a: ap.baseAddress!,
                                                    aRowStride: transposed ? 1 : k, aColumnStride: transposed ? m : 1,
                                                    b: bp.baseAddress!, c: cp.baseAddress!, accumulate: accumulate)
                        }
                    }
                }
                for i in 0..<m {
                    for j in 0..<n {
                        var expected = accumulate ? initial[i * n + j] : 0
                        for p in 0..<k { expected += a[i * k + p] * b[p * n + j] }
                        #expect(abs(c[i * n + j] - expected) < 1e-12, "(\(i),\(j)) transposed \(transposed) accumulate \(accumulate)")
                    }
                }
            }
        }
    }

    /// A row's result must not depend on which tile computed it: that is what keeps training
    /// bit-identical however the rows are split between threads.
    /// PPO's passes write the weight gradients instead of adding them into zeroed memory, and
    /// zero only the biases' blocks: the bits must be those of zeroing everything and adding
    /// (including k-sliced weight gradients, minibatches over 128 rows, and narrow heads).
    @Test(arguments: [[3, 64, 64, 1], [4, 64, 64, 2], [3, 256, 256, 1], [5, 32, 48, 16, 3]], [64, 200])
    func overwritingWeightGradientsGivesTheBitsOfAddingIntoZeros(sizes: [Int], rows: Int) {
        let shape = MLPShape(sizes: sizes, activation: .tanh)
        let parameters: [Float] = randomArray(shape.parameterCount, seed: 41, scale: 0.3)
        let input: [Float] = randomArray(rows * sizes[0], seed: 42)
        let outputGradient: [Float] = randomArray(rows * sizes.last!, seed: 43)
        func gradients(overwriting: Bool) -> [Float] {
            let workspace = MLPWorkspace<Float>(shape: shape, capacity: rows)
            // What overwriting must not read: everything but the biases starts as garbage.
            var result = [Float](repeating: overwriting ? .nan : 0, count: shape.parameterCount)
            parameters.withUnsafeBufferPointer { p in input.withUnsafeBufferPointer { x in
                outputGradient.withUnsafeBufferPointer { dY in result.withUnsafeMutableBufferPointer { g in
                    if overwriting { workspace.zeroBiasGradients(g.baseAddress!) }
                    workspace.forward(parameters: p.baseAddress!, input: x.baseAddress!, rows: rows)
                    workspace.backward(parameters: p.baseAddress!, outputGradient: dY.baseAddress!, gradients: g.baseAddress!,
                                       overwritingWeights: overwriting)
                } }
            } }
            return result
        }
        let added = gradients(overwriting: false), written = gradients(overwriting: true)
        #expect(!added.contains { $0.isNaN } && added.contains { $0 != 0 })
        #expect(written.map(\.bitPattern) == added.map(\.bitPattern), "\(sizes) rows \(rows)")
    }

    @Test func rowResultsDoNotDependOnBatchSplit() {
        for (m, n, k) in [(13, 64, 64), (13, 1, 64), (13, 3, 20)] {
        let (m, n, k) = (m, n, k)
        let a: [Float] = randomArray(m * k, seed: 4)
        let b: [Float] = randomArray(k * n, seed: 5)
        func product(rows: Range<Int>) -> [Float] {
            var c = [Float](repeating: 0, count: rows.count * n)
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        MatrixMultiply.multiply(m: rows.count, n: n, k: k, a: ap.baseAddress! + rows.lowerBound * k,
                                                aRowStride: k, aColumnStride: 1, b: bp.baseAddress!,
                                                c: cp.baseAddress!, accumulate: false)
                    }
                }
            }
            return c
        }
        let whole = product(rows: 0..<m)
        let pieces = product(rows: 0..<5) + product(rows: 5..<6) + product(rows: 6..<m)
        #expect(whole == pieces)
        }
    }

    @Test func vectorTanhIsWithinOneMillionthOfLibm() {
        var worst: Float = 0
        var x: Float = -12
        while x <= 12 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 1e-4 })
            let y = Float.tanh(lanes)
            for i in 0..<8 { worst = max(worst, abs(y[i] - Foundation.tanh(lanes[i]))) }
            x += 0.0137
        }
        #expect(worst < 1e-6, "worst error \(worst)")
        #expect(abs(Float.tanh(SIMD8(repeating: 1e-5))[0] / 1e-5 - 1) < 1e-6)
        #expect(Float.tanh(SIMD8(repeating: 50))[0] == 1)
    }

    /// The Float activations take the vector path (eight lanes, then a scalar tail).
    @Test func floatActivationsMatchTheirDefinitions() {
        let input: [Float] = randomArray(21, seed: 8, scale: 3)
        var relu = input, tanh = input
        relu.withUnsafeMutableBufferPointer { Activation.relu.forward($0.baseAddress!, count: $0.count) }
        tanh.withUnsafeMutableBufferPointer { Activation.tanh.forward($0.baseAddress!, count: $0.count) }
        #expect(relu == input.map { max($0, 0) })
        #expect(zip(tanh, input).allSatisfy { abs($0 - Foundation.tanh($1)) < 1e-6 })
    }
}
