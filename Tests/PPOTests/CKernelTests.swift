import CKernels
import Environments
import Foundation
import Testing
@testable import PPO

/// The C float kernels (every version: AVX-512 for the matrix product, AVX2 + FMA, portable) give the Swift references' bits
/// exactly. That is what keeps policies identical across CPUs and to the policies trained before
/// the kernels moved to C. The suite is serialized: it switches the kernels' version.
@Suite(.serialized) struct CKernelTests {
    /// Runs `body` once on each version the machine has, labelled.
    private func onEachVersion(_ body: (String) -> Void) {
        let previous = gym_kernels_set_ceiling(Int32(GYM_KERNELS_AVX512))
        defer { gym_kernels_set_ceiling(previous) }
        for level in 0...gym_kernels_best_level() {
            gym_kernels_set_ceiling(level)
            body(String(cString: gym_kernels_path()))
        }
    }

    /// The Swift reference's C = A B, or `onto` + A B: A m x k and B k x n, row-major.
    private func referenceProduct(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, onto initial: [Float]? = nil) -> [Float] {
        var c = initial ?? [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer {
            MatrixMultiply.reference(m: m, n: n, k: k, a: ap.baseAddress!, aRowStride: k, aColumnStride: 1,
                                     b: bp.baseAddress!, c: $0.baseAddress!, accumulate: initial != nil)
        } } }
        return c
    }

    /// B (k x n) from Bᵀ (n x k), both row-major.
    private func untransposed(_ bt: [Float], n: Int, k: Int) -> [Float] {
        (0..<(k * n)).map { bt[($0 % n) * k + $0 / n] }
    }

    @Test(arguments: [(1, 1, 1), (3, 5, 7), (4, 16, 3), (7, 64, 64), (64, 64, 64), (13, 27, 9), (64, 1, 64),
                      (3, 64, 33), (20, 3, 19), (9, 2, 8), (64, 7, 300), (256, 256, 64), (10, 1, 13), (33, 40, 5),
                      (130, 203, 150), (9, 150, 300), (200, 131, 7), (40, 160, 700), (520, 136, 40), (200, 144, 600),
                      // Four-column tails: 300 = 18 x 16 + 8 + 4 (TD3's 400x300 layers), 20 = 16 + 4, 12 = 8 + 4.
                      (7, 300, 41), (256, 300, 400), (5, 20, 3), (6, 12, 9), (11, 13, 10),
                      // The AVX-512 body's 8 x 32 and 8 x 16 tiles and their row and column tails.
                      (17, 48, 20), (15, 28, 131), (136, 44, 260), (9, 304, 129), (128, 400, 4), (24, 16, 256),
                      // One step of k (an outer product), and narrow outputs read from Aᵀ in 32-row blocks.
                      (64, 64, 1), (37, 70, 1), (100, 3, 50), (256, 1, 64),
                      // One or two rows across 32-64 columns in one tile.
                      (1, 64, 64), (2, 48, 9), (1, 32, 3), (2, 64, 200)])
    func sgemmGivesTheReferenceBits(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let a: [Float] = randomArray(m * k, seed: 11)
        let b: [Float] = randomArray(k * n, seed: 12)
        let initial: [Float] = randomArray(m * n, seed: 13)
        for transposed in [false, true] {
            for accumulate in [false, true] {
                let (rs, cs) = transposed ? (1, m) : (k, 1)
                func product(_ kernel: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
                    var c = initial
                    a.withUnsafeBufferPointer { ap in
                        b.withUnsafeBufferPointer { bp in
                            c.withUnsafeMutableBufferPointer { kernel(ap.baseAddress!, bp.baseAddress!, $0.baseAddress!) }
                        }
                    }
                    return c
                }
                let reference = product {
                    MatrixMultiply.reference(m: m, n: n, k: k, a: $0, aRowStride: rs, aColumnStride: cs, b: $1, c: $2,
                                             accumulate: accumulate)
                }
                onEachVersion { version in
                    let c = product { gym_sgemm(m, n, k, $0, rs, cs, $1, $2, accumulate ? 1 : 0) }
                    #expect(c.map(\.bitPattern) == reference.map(\.bitPattern),
                            "\(version) \(m)x\(n)x\(k) transposed \(transposed) accumulate \(accumulate)")
                }
            }
        }
    }

    /// The product with B given transposed (dY Wᵀ from W itself) gives the bits of the plain
    /// product on the transposed copy, on every version, including its narrow and tail paths.
    @Test(arguments: [(1, 1, 1), (3, 5, 7), (64, 64, 64), (13, 27, 9), (9, 2, 8), (256, 300, 400), (7, 300, 41),
                      (17, 48, 20), (15, 28, 131), (136, 44, 260), (9, 304, 129), (128, 400, 4), (24, 16, 256),
                      (64, 256, 256), (37, 4, 300), (40, 21, 700), (8, 3, 64), (64, 64, 1), (5, 70, 1), (64, 256, 1)])
    func sgemmWithBTransposedGivesTheReferenceBits(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let a: [Float] = randomArray(m * k, seed: 21)
        let bt: [Float] = randomArray(n * k, seed: 22)
        let initial: [Float] = randomArray(m * n, seed: 23)
        let b = untransposed(bt, n: n, k: k)
        for accumulate in [false, true] {
            let reference = referenceProduct(a, b, m: m, n: n, k: k, onto: accumulate ? initial : nil)
            onEachVersion { version in
                var c = initial
                var scratch = [Float](repeating: .nan, count: k * n)
                a.withUnsafeBufferPointer { ap in bt.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                    scratch.withUnsafeMutableBufferPointer {
                        gym_sgemm_bt(m, n, k, ap.baseAddress!, k, 1, bp.baseAddress!, cp.baseAddress!, accumulate ? 1 : 0,
                                     $0.baseAddress!)
                    }
                } } }
                #expect(c.map(\.bitPattern) == reference.map(\.bitPattern), "\(version) \(m)x\(n)x\(k) accumulate \(accumulate)")
            }
        }
    }

    /// A layer's forward pass in one kernel (biases as the chains' start, tanh before the store)
    /// gives the bits of the separate passes, on every version: the 32- and 16-column tiles, their
    /// row tails, the 8- and 4-column and single-column tails, k-slices (k > 128 at 128 columns
    /// and more), outputs too narrow for the fused path, and one or two rows across 32-64
    /// columns at once (acting).
    @Test(arguments: [(64, 64, 64), (256, 64, 4), (64, 256, 3), (5, 64, 64), (13, 20, 9), (9, 300, 41), (8, 13, 7),
                      (64, 2, 64), (64, 1, 64), (17, 48, 1), (24, 136, 260), (3, 12, 5), (40, 31, 200),
                      (1, 64, 64), (2, 64, 3), (1, 48, 7), (2, 32, 130), (1, 80, 64)])
    func layerForwardGivesTheBitsOfItsPasses(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let x: [Float] = randomArray(m * k, seed: 31)
        let w: [Float] = randomArray(k * n, seed: 32, scale: 6 / Double(k).squareRoot())
        let bias: [Float] = randomArray(n, seed: 33, scale: 4)
        for activate in [false, true] {
            var reference = referenceProduct(x, w, m: m, n: n, k: k, onto: (0..<(m * n)).map { bias[$0 % n] })
            if activate { reference = reference.map { Float.tanh(SIMD8(repeating: $0))[0] } }
            // Some outputs past tanh's clamp, some near zero: the whole range is exercised.
            #expect(!activate || m * n < 256 || (reference.contains { abs($0) > 0.999 } && reference.contains { abs($0) < 0.1 }))
            onEachVersion { version in
                var y = [Float](repeating: .nan, count: m * n)
                x.withUnsafeBufferPointer { xp in w.withUnsafeBufferPointer { wp in bias.withUnsafeBufferPointer { bp in
                    y.withUnsafeMutableBufferPointer {
                        gym_layer_forward(m, n, k, xp.baseAddress!, wp.baseAddress!, bp.baseAddress!, $0.baseAddress!,
                                          activate ? 1 : 0)
                    }
                } } }
                #expect(y.map(\.bitPattern) == reference.map(\.bitPattern), "\(version) \(m)x\(n)x\(k) tanh \(activate)")
            }
        }
    }

    /// The gradient at a tanh layer's pre-activation in one kernel (dY Wᵀ, then times 1 - y²
    /// before the store) gives the bits of the product and then gym_tanh_backward's arithmetic.
    @Test(arguments: [(64, 64, 64), (256, 64, 2), (64, 256, 256), (5, 64, 64), (13, 20, 9), (9, 300, 41),
                      (8, 13, 7), (17, 48, 1), (24, 136, 260), (40, 31, 200)])
    func gradientThroughTanhGivesTheBitsOfItsPasses(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let dY: [Float] = randomArray(m * k, seed: 34)
        let w: [Float] = randomArray(n * k, seed: 35)
        let outputs: [Float] = randomArray(m * n, seed: 36)
        var reference = referenceProduct(dY, untransposed(w, n: n, k: k), m: m, n: n, k: k)
        for i in reference.indices { reference[i] *= 1 - outputs[i] * outputs[i] }
        onEachVersion { version in
            var c = [Float](repeating: .nan, count: m * n)
            var scratch = [Float](repeating: .nan, count: k * n)
            dY.withUnsafeBufferPointer { a in w.withUnsafeBufferPointer { bt in outputs.withUnsafeBufferPointer { y in
                c.withUnsafeMutableBufferPointer { cp in scratch.withUnsafeMutableBufferPointer {
                    gym_sgemm_bt_tanh_derivative(m, n, k, a.baseAddress!, bt.baseAddress!, cp.baseAddress!, y.baseAddress!,
                                                 $0.baseAddress!)
                } }
            } } }
            #expect(c.map(\.bitPattern) == reference.map(\.bitPattern), "\(version) \(m)x\(n)x\(k)")
        }
    }

    /// A layer's weight and bias gradients in one kernel (dW = Xᵀ dY, or += onto the gradients
    /// there; db += dY's column sums, added in the first row tile of each column block on
    /// AVX-512) give the bits of the product and the column sums apart, on every version: 32-
    /// and 16-column blocks with 8-column, 4-column and scalar tails, k-slices (k > 128 at 128
    /// columns and more), a first layer of 3 or 4 inputs (a tail tile only), and the shapes that
    /// sum in a separate pass (heads narrower than 16, one or two inputs, one row).
    @Test(arguments: [(64, 64, 256), (4, 64, 256), (3, 64, 64), (64, 2, 256), (64, 1, 256), (256, 256, 64),
                      (9, 300, 41), (17, 48, 20), (24, 136, 260), (40, 31, 200), (130, 203, 150), (1, 64, 64),
                      (2, 48, 9), (64, 64, 1), (5, 20, 3), (8, 29, 7)])
    func weightGradientGivesTheBitsOfItsPasses(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let x: [Float] = randomArray(k * m, seed: 41)
        let dy: [Float] = randomArray(k * n, seed: 42)
        let initialWeights: [Float] = randomArray(m * n, seed: 43)
        let initialBiases: [Float] = randomArray(n, seed: 44)
        for accumulate in [false, true] {
            var referenceWeights = initialWeights, referenceBiases = initialBiases
            x.withUnsafeBufferPointer { xp in dy.withUnsafeBufferPointer { dp in
                referenceWeights.withUnsafeMutableBufferPointer {
                    MatrixMultiply.reference(m: m, n: n, k: k, a: xp.baseAddress!, aRowStride: 1, aColumnStride: m,
                                             b: dp.baseAddress!, c: $0.baseAddress!, accumulate: accumulate)
                }
            } }
            for r in 0..<k { for c in 0..<n { referenceBiases[c] += dy[r * n + c] } }
            onEachVersion { version in
                var weights = initialWeights, biases = initialBiases
                x.withUnsafeBufferPointer { xp in dy.withUnsafeBufferPointer { dp in
                    weights.withUnsafeMutableBufferPointer { wp in biases.withUnsafeMutableBufferPointer {
                        gym_weight_gradient(m, n, k, xp.baseAddress!, dp.baseAddress!, wp.baseAddress!, $0.baseAddress!,
                                            accumulate ? 1 : 0)
                    } }
                } }
                #expect(weights.map(\.bitPattern) == referenceWeights.map(\.bitPattern), "\(version) \(m)x\(n)x\(k) accumulate \(accumulate)")
                #expect(biases.map(\.bitPattern) == referenceBiases.map(\.bitPattern), "\(version) \(m)x\(n)x\(k)")
            }
        }
    }

    /// A layer's backward pass into a tanh layer in one kernel (on AVX-512, one pass over the
    /// tanh outputs for heads of one or two outputs on 16- to 64-wide layers) gives the bits of
    /// the weight gradient and the input gradient through tanh apart, on every version, for the
    /// shapes it covers and those it hands to the separate kernels (wider layers, more outputs).
    @Test(arguments: [(256, 64, 2), (256, 64, 1), (64, 16, 2), (64, 32, 1), (7, 48, 2), (1, 64, 2), (256, 256, 1),
                      (64, 64, 3), (9, 40, 2)])
    func backwardIntoTanhGivesTheBitsOfItsPasses(shape: (Int, Int, Int)) {
        let (rows, inputs, outputs) = shape
        let dy: [Float] = randomArray(rows * outputs, seed: 61)
        let w: [Float] = randomArray(inputs * outputs, seed: 62)
        let h: [Float] = randomArray(rows * inputs, seed: 63).map { Float.tanh(SIMD8(repeating: 2 * $0))[0] }
        let initialWeights: [Float] = randomArray(inputs * outputs, seed: 64)
        let initialBiases: [Float] = randomArray(outputs, seed: 65)
        for accumulate in [false, true] {
            var expected = (w: initialWeights, b: initialBiases, dx: [Float](repeating: .nan, count: rows * inputs))
            var scratch = [Float](repeating: .nan, count: inputs * outputs)
            gym_weight_gradient(inputs, outputs, rows, h, dy, &expected.w, &expected.b, accumulate ? 1 : 0)
            gym_sgemm_bt_tanh_derivative(rows, inputs, outputs, dy, w, &expected.dx, h, &scratch)
            onEachVersion { version in
                var (weights, biases) = (initialWeights, initialBiases)
                var dx = [Float](repeating: .nan, count: rows * inputs)
                gym_head_backward(rows, inputs, outputs, dy, w, h, &weights, &biases, accumulate ? 1 : 0, &dx, &scratch)
                let label = "\(version) \(rows) rows, \(inputs) -> \(outputs), accumulate \(accumulate)"
                #expect(weights.map(\.bitPattern) == expected.w.map(\.bitPattern), "\(label): weights")
                #expect(biases.map(\.bitPattern) == expected.b.map(\.bitPattern), "\(label): biases")
                #expect(dx.map(\.bitPattern) == expected.dx.map(\.bitPattern), "\(label): input gradient")
            }
        }
    }

    @Test func fillRowsCopiesTheRowIntoEveryRow() {
        for (rows, columns) in [(1, 1), (3, 7), (4, 8), (64, 64), (5, 67), (256, 1), (256, 2), (7, 2), (3, 4), (9, 4)] {
            let row: [Float] = randomArray(columns, seed: 24)
            onEachVersion { version in
                var block = [Float](repeating: .nan, count: rows * columns)
                row.withUnsafeBufferPointer { r in
                    block.withUnsafeMutableBufferPointer { gym_fill_rows($0.baseAddress!, rows, columns, r.baseAddress!) }
                }
                let expected = (0..<(rows * columns)).map { row[$0 % columns] }
                #expect(block.map(\.bitPattern) == expected.map(\.bitPattern), "\(version) \(rows)x\(columns)")
            }
        }
    }

    @Test func transposeIsExact() {
        for (rows, columns) in [(1, 1), (8, 8), (13, 29), (17, 64), (64, 3), (256, 256), (40, 9)] {
            let source: [Float] = randomArray(rows * columns, seed: 19)
            onEachVersion { version in
                var destination = [Float](repeating: .nan, count: rows * columns)
                source.withUnsafeBufferPointer { s in
                    destination.withUnsafeMutableBufferPointer { gym_transpose(rows, columns, s.baseAddress!, $0.baseAddress!) }
                }
                let expected = (0..<(rows * columns)).map { index in source[(index % rows) * columns + index / rows] }
                #expect(destination.map(\.bitPattern) == expected.map(\.bitPattern), "\(version) \(rows)x\(columns)")
            }
        }
    }

    @Test func backwardHelpersGiveTheReferenceBits() {
        for (rows, columns) in [(1, 1), (3, 7), (64, 64), (5, 19), (9, 300), (4, 83), (2, 16), (256, 1), (256, 2), (3, 2)] {
            let outputs: [Float] = randomArray(rows * columns, seed: 20)
            let gradient: [Float] = randomArray(rows * columns, seed: 21, scale: 2)
            let start: [Float] = randomArray(columns, seed: 22)
            var expectedGradient = gradient
            for i in expectedGradient.indices { expectedGradient[i] *= 1 - outputs[i] * outputs[i] }
            var expectedSums = start
            for r in 0..<rows { for j in 0..<columns { expectedSums[j] += gradient[r * columns + j] } }
            // ReLU's outputs are never negative; zeros must block the gradient too.
            let reluOutputs = outputs.enumerated().map { $0.offset % 5 == 0 ? 0 : max($0.element, 0) }
            let expectedRelu = zip(gradient, reluOutputs).map { $1 <= 0 ? 0 : $0 }
            onEachVersion { version in
                var g = gradient, sums = start, relu = gradient
                outputs.withUnsafeBufferPointer { o in
                    g.withUnsafeMutableBufferPointer { gym_tanh_backward(o.baseAddress!, $0.baseAddress!, $0.count) }
                }
                reluOutputs.withUnsafeBufferPointer { o in
                    relu.withUnsafeMutableBufferPointer { gym_relu_backward(o.baseAddress!, $0.baseAddress!, $0.count) }
                }
                #expect(relu.map(\.bitPattern) == expectedRelu.map(\.bitPattern), "relu \(version) \(rows)x\(columns)")
                gradient.withUnsafeBufferPointer { rowsPointer in
                    sums.withUnsafeMutableBufferPointer { gym_add_column_sums(rowsPointer.baseAddress!, rows, columns, $0.baseAddress!) }
                }
                #expect(g.map(\.bitPattern) == expectedGradient.map(\.bitPattern), "\(version) \(rows)x\(columns)")
                #expect(sums.map(\.bitPattern) == expectedSums.map(\.bitPattern), "\(version) \(rows)x\(columns)")
            }
        }
    }

    @Test func tanhGivesTheReferenceBits() {
        // Every count up to two vectors and a tail (of 8 and of 16 lanes), over the whole range
        // including the clamp.
        let input: [Float] = randomArray(1000, seed: 14, scale: 10)
        for count in [1, 7, 8, 9, 15, 16, 17, 24, 31, 33, 1000] {
            let reference: [Float] = input.prefix(count).map { Float.tanh(SIMD8(repeating: $0))[0] }
            onEachVersion { version in
                var values = Array(input.prefix(count))
                values.withUnsafeMutableBufferPointer { gym_tanh_inplace($0.baseAddress!, $0.count) }
                #expect(values.map(\.bitPattern) == reference.map(\.bitPattern), "\(version) count \(count)")
                #expect(zip(values, input).allSatisfy { abs($0 - Foundation.tanh($1)) < 1e-6 })
            }
        }
    }

    /// The policy loss's exps and logs over arrays give libm's bits for each value (checked
    /// over all 2³² floats on every version when written; here a spread of 65,536 bit patterns
    /// over the whole range, the edges of the tables' ranges and the values the loss feeds them).
    @Test func expAndLogOverArraysGiveLibmBits() {
        var input: [Float] = stride(from: UInt64(0), to: 1 << 32, by: 65_537).map { Float(bitPattern: UInt32($0)) }
        input += [0, -0, 1, -1, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .leastNormalMagnitude,
                  .greatestFiniteMagnitude, 88, -88, 88.72, 88.73, -103.2, -103.3, -103.9, -104, 1e-30, 0.5, 2,
                  Float(bitPattern: 0x3f33_0000), Float(bitPattern: 0x3f32_ffff), Float(bitPattern: 0x0080_0000),
                  Float(bitPattern: 0x007f_ffff), Float(bitPattern: 0x7f7f_ffff)]
        input += randomArray(1000, seed: 17, scale: 20) as [Float]
        input += (randomArray(1000, seed: 18, scale: 0.5) as [Float]).map { -abs($0) }  // log-probabilities
        func mismatches(_ a: [Float], _ b: [Float]) -> Int {
            zip(a, b).filter { $0.bitPattern != $1.bitPattern && !($0.isNaN && $1.isNaN) }.count
        }
        for count in [1, 3, 4, 7, 8, 9, 17, input.count] {
            let x = Array(input.suffix(count))
            let expected = (exp: x.map { Foundation.exp($0) }, log: x.map { Foundation.log($0) })
            onEachVersion { version in
                var y = [Float](repeating: 0, count: count)
                gym_exp_floats(x, &y, count)
                #expect(mismatches(y, expected.exp) == 0, "\(version): exp, \(count) values")
                gym_log_floats(x, &y, count)
                #expect(mismatches(y, expected.log) == 0, "\(version): log, \(count) values")
                // In place, as the loss calls them.
                var inPlace = x
                inPlace.withUnsafeMutableBufferPointer { gym_exp_floats($0.baseAddress!, $0.baseAddress!, count) }
                #expect(mismatches(inPlace, expected.exp) == 0, "\(version): exp in place, \(count) values")
                inPlace = x
                inPlace.withUnsafeMutableBufferPointer { gym_log_floats($0.baseAddress!, $0.baseAddress!, count) }
                #expect(mismatches(inPlace, expected.log) == 0, "\(version): log in place, \(count) values")
            }
        }
    }

    @Test func adamStepGivesTheReferenceBits() {
        let count = 70
        let gradients: [Float] = randomArray(count, seed: 15)
        let start: [Float] = randomArray(count, seed: 16)
        let moments: [Float] = randomArray(count, seed: 17).map { abs($0) }
        func step(_ kernel: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
            var p = start, m = moments, v = moments
            p.withUnsafeMutableBufferPointer { pp in
                m.withUnsafeMutableBufferPointer { mp in
                    v.withUnsafeMutableBufferPointer { kernel(pp.baseAddress!, mp.baseAddress!, $0.baseAddress!) }
                }
            }
            return p + m + v
        }
        // Starts at every place in a cache line, and lengths with 16-, 8-lane and scalar steps.
        for range in (0..<17).map({ $0..<($0 + 45) }) + [3..<62] {
            let reference = gradients.withUnsafeBufferPointer { g in
                step {
                    Adam<Float>.referenceStep(parameters: $0, gradients: g.baseAddress!, firstMoment: $1, secondMoment: $2,
                                              range: range, gradientScale: 0.7, stepSize: 0.003, correction2: 0.04, beta1: 0.9,
                                              beta2: 0.999, epsilon: 1e-5)
                }
            }
            #expect(reference != start + moments + moments)
            onEachVersion { version in
                let result = gradients.withUnsafeBufferPointer { g in
                    step { gym_adam_step($0, g.baseAddress!, $1, $2, range.lowerBound, range.upperBound, 0.7, 0.003, 0.04, 0.9, 0.999, 1e-5) }
                }
                #expect(result.map(\.bitPattern) == reference.map(\.bitPattern), "\(version), \(range)")
            }
        }
    }

    /// The AVX-512 step divides by the bias correction without the divider (a reciprocal and a
    /// remainder correction): that must round as the division does for every correction Adam
    /// uses, and for every significand of the square root at two of them. (The other versions
    /// divide; `adamStepGivesTheReferenceBits` covers them.)
    @Test func adamStepDividesByEveryCorrectionAsTheReferenceDoes() {
        /// One step of the kernel and of the reference from the same state; whether their
        /// parameters, and second moments, agree bit for bit.
        func agree(_ p: [Float], _ m: [Float], _ v: [Float], _ g: [Float], correction2: Float,
                   beta: Float?, epsilon: Float) -> Bool {
            let (b1, b2) = (beta ?? 0.9, beta ?? 0.999)
            var (kp, km, kv) = (p, m, v)
            var (rp, rm, rv) = (p, m, v)
            gym_adam_step(&kp, g, &km, &kv, 0, p.count, 0.7, 0.003, correction2, b1, b2, epsilon)
            g.withUnsafeBufferPointer { gp in
                Adam<Float>.referenceStep(parameters: &rp, gradients: gp.baseAddress!, firstMoment: &rm,
                                          secondMoment: &rv, range: 0..<p.count, gradientScale: 0.7, stepSize: 0.003,
                                          correction2: correction2, beta1: b1, beta2: b2, epsilon: epsilon)
            }
            return memcmp(kp, rp, 4 * p.count) == 0 && memcmp(kv, rv, 4 * p.count) == 0
        }
        // Every correction from step 1 on, as Adam computes it, until it rounds to 1 (step 16,6xx).
        var corrections: [Float] = []
        for t in 1... {
            corrections.append(Float((1 - pow(0.999, Double(t))).squareRoot()))
            if corrections.last == 1 { break }
        }
        #expect(corrections.count > 16_000)
        let gradients: [Float] = randomArray(64, seed: 19)
        let start: [Float] = randomArray(64, seed: 20)
        let moments: [Float] = randomArray(64, seed: 21, scale: 1e3).map { abs($0) }
        let differing = corrections.filter {
            !agree(start, moments, moments, gradients, correction2: $0, beta: nil, epsilon: 1e-5)
        }
        #expect(differing.count == 0, "corrections \(differing.prefix(5)) ...")
        // Every significand of the square root s: with both betas 1 and zero gradients the
        // moments pass through exactly, the second moment s * s (rounded) has the root s, and
        // without epsilon each quotient shows in the parameter it moves, which is computed here
        // in scalars as the reference does (its generic loop is too slow for 2^23 values).
        let count = 1 << 23
        let firsts: [Float] = randomArray(count, seed: 22)
        let squares = (0..<count).map { i in
            let root = Float(bitPattern: 0x3F80_0000 + UInt32(i))
            return root * root
        }
        for correction in [corrections[0], Float(bitPattern: 0x3F7F_FFFF)] {
            var (p, m, v) = ([Float](repeating: 0, count: count), firsts, squares)
            gym_adam_step(&p, [Float](repeating: 0, count: count), &m, &v, 0, count, 0.7, 0.003, correction, 1, 1, 0)
            #expect(v == squares)
            let wrong = (0..<count).filter { i in
                p[i].bitPattern != (0 - 0.003 * firsts[i] / (squares[i].squareRoot() / correction + 0)).bitPattern
            }
            #expect(wrong.count == 0, "correction \(correction): the significands from \(wrong.first ?? 0) on")
        }
    }

    @Test func sumOfSquaresGivesTheReferenceBits() {
        let values: [Float] = randomArray(1000, seed: 18, scale: 3)
        for range in [0..<1000, 5..<700, 0..<77, 5..<70, 0..<64, 0..<3] {
            let reference = values.withUnsafeBufferPointer { ParameterBuffer<Float>.referenceSumOfSquares($0.baseAddress!, range: range) }
            let plain = values[range].reduce(0.0) { $0 + Double($1) * Double($1) }
            #expect(abs(reference - plain) < 1e-4 * plain)
            onEachVersion { version in
                let sum = values.withUnsafeBufferPointer { gym_sum_squares($0.baseAddress!, range.lowerBound, range.upperBound) }
                #expect(sum.bitPattern == reference.bitPattern, "\(version) \(range)")
            }
        }
    }
}
