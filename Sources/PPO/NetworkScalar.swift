import CKernels
import Foundation

/// The element type of networks and their gradients. Training runs in `Float`; the gradient
/// tests instantiate the same code in `Double`, so finite differences are accurate.
///
/// The hot kernels are requirements: `Float` runs them in C (CKernels, compiled for AVX2 + FMA
/// and for the baseline CPU, the matrix products also for AVX-512, picked at run time), `Double` runs the Swift references that do
/// the same arithmetic in the same order.
public protocol NetworkScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable
where Self.RawSignificand: FixedWidthInteger {
    /// C (m x n) = A B, or C += A B (see `MatrixMultiply.reference`).
    static func multiply(m: Int, n: Int, k: Int, a: UnsafePointer<Self>, aRowStride: Int, aColumnStride: Int,
                         b: UnsafePointer<Self>, c: UnsafeMutablePointer<Self>, accumulate: Bool)
    /// C (m x n) = A Bᵀ, or C += A Bᵀ, with `bt` n x k row-major: `multiply` on the transposed
    /// copy, bit for bit, which `scratch` (k x n) receives where it is made whole.
    static func multiplyTransposed(m: Int, n: Int, k: Int, a: UnsafePointer<Self>, aRowStride: Int, aColumnStride: Int,
                                   bt: UnsafePointer<Self>, c: UnsafeMutablePointer<Self>, accumulate: Bool,
                                   scratch: UnsafeMutablePointer<Self>)
    /// A layer forward: y (m x n) = x W + bias, then tanh when `activateTanh`: the biases copied
    /// into every row, `multiply` accumulating and `tanhInPlace` in turn (Float's kernel does it
    /// in one pass).
    static func layerForward(m: Int, n: Int, k: Int, x: UnsafePointer<Self>, weights: UnsafePointer<Self>,
                             bias: UnsafePointer<Self>, y: UnsafeMutablePointer<Self>, activateTanh: Bool)
    /// c (m x n) = a Wᵀ (a m x k, `bt` = W n x k), then times 1 - y² (y the tanh outputs, m x n):
    /// `multiplyTransposed` and `tanhBackward` in turn (Float's kernel does it in one pass).
    static func multiplyTransposedThroughTanh(m: Int, n: Int, k: Int, a: UnsafePointer<Self>, bt: UnsafePointer<Self>,
                                              c: UnsafeMutablePointer<Self>, tanhOutputs: UnsafePointer<Self>,
                                              scratch: UnsafeMutablePointer<Self>)
    /// A layer's gradients from its output's, `dY` (rows x n), and its input `x` (rows x m):
    /// weights (m x n) = xᵀ dY (or += when `accumulate`), biases (n) += dY's column sums:
    /// `addColumnSums` and `multiply` in turn (Float's kernel does both in one pass over dY).
    static func weightGradient(m: Int, n: Int, rows: Int, x: UnsafePointer<Self>, dY: UnsafePointer<Self>,
                               weights: UnsafeMutablePointer<Self>, biases: UnsafeMutablePointer<Self>, accumulate: Bool)
    /// A layer's backward pass into a tanh layer: `weightGradient` (m = `inputs`, n = `outputs`)
    /// on `tanhOutputs` and `dY`, then `multiplyTransposedThroughTanh` into `dX` (Float's kernel
    /// does both in one pass for one- and two-output heads).
    static func backwardIntoTanh(rows: Int, inputs: Int, outputs: Int, dY: UnsafePointer<Self>, weights: UnsafePointer<Self>,
                                 tanhOutputs: UnsafePointer<Self>, weightGradients: UnsafeMutablePointer<Self>,
                                 biasGradients: UnsafeMutablePointer<Self>, accumulate: Bool, dX: UnsafeMutablePointer<Self>,
                                 scratch: UnsafeMutablePointer<Self>)
    /// destination (columns x rows) = sourceᵀ, source being rows x columns.
    static func transpose(rows: Int, columns: Int, source: UnsafePointer<Self>, destination: UnsafeMutablePointer<Self>)
    /// values[i] = tanh(values[i]).
    static func tanhInPlace(_ values: UnsafeMutablePointer<Self>, count: Int)
    /// gradient[i] *= 1 - outputs[i]²: back through tanh.
    static func tanhBackward(outputs: UnsafePointer<Self>, gradient: UnsafeMutablePointer<Self>, count: Int)
    /// gradient[i] = 0 where outputs[i] <= 0.
    static func reluBackward(outputs: UnsafePointer<Self>, gradient: UnsafeMutablePointer<Self>, count: Int)
    /// sums[j] += Σ_r rows[r][j], rows in increasing order (a bias's gradient).
    static func addColumnSums(_ rows: UnsafePointer<Self>, rowCount: Int, columns: Int, into sums: UnsafeMutablePointer<Self>)
    /// One Adam step over `range` (see `Adam.referenceStep`).
    static func adamStep(parameters: UnsafeMutablePointer<Self>, gradients: UnsafePointer<Self>,
                         firstMoment: UnsafeMutablePointer<Self>, secondMoment: UnsafeMutablePointer<Self>,
                         range: Range<Int>, gradientScale: Self, stepSize: Self, correction2: Self,
                         beta1: Self, beta2: Self, epsilon: Self)
    /// Σ x² over `range`: 64 chains of fused multiply-adds, summed in Double.
    static func sumOfSquares(_ values: UnsafePointer<Self>, range: Range<Int>) -> Double
    /// tanh of eight lanes at once (the reference the kernels follow).
    static func tanh(_ x: SIMD8<Self>) -> SIMD8<Self>
    static func relu(_ x: SIMD8<Self>) -> SIMD8<Self>
    static func tanh(_ x: Self) -> Self
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    /// y[i] = exp(x[i]) and log(x[i]) over `count` values, each the bits of the one-value
    /// function (x and y may be the same memory).
    static func exp(_ x: UnsafePointer<Self>, into y: UnsafeMutablePointer<Self>, count: Int)
    static func log(_ x: UnsafePointer<Self>, into y: UnsafeMutablePointer<Self>, count: Int)
    static func sqrt(_ x: Self) -> Self
    /// A stored class index (a discrete action) as an Int: the concrete conversion, one
    /// instruction (the generic `Int(_:)` calls a runtime routine).
    static func index(_ x: Self) -> Int
}

extension Float: NetworkScalar {
    @inline(__always)
    public static func multiply(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, aRowStride: Int, aColumnStride: Int,
                                b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, accumulate: Bool) {
        gym_sgemm(m, n, k, a, aRowStride, aColumnStride, b, c, accumulate ? 1 : 0)
    }

    @inline(__always)
    public static func multiplyTransposed(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, aRowStride: Int,
                                          aColumnStride: Int, bt: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
                                          accumulate: Bool, scratch: UnsafeMutablePointer<Float>) {
        gym_sgemm_bt(m, n, k, a, aRowStride, aColumnStride, bt, c, accumulate ? 1 : 0, scratch)
    }

    @inline(__always)
    public static func layerForward(m: Int, n: Int, k: Int, x: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                                    bias: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, activateTanh: Bool) {
        gym_layer_forward(m, n, k, x, weights, bias, y, activateTanh ? 1 : 0)
    }

    @inline(__always)
    public static func multiplyTransposedThroughTanh(m: Int, n: Int, k: Int, a: UnsafePointer<Float>,
                                                     bt: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
                                                     tanhOutputs: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        gym_sgemm_bt_tanh_derivative(m, n, k, a, bt, c, tanhOutputs, scratch)
    }

    @inline(__always)
    public static func weightGradient(m: Int, n: Int, rows: Int, x: UnsafePointer<Float>, dY: UnsafePointer<Float>,
                                      weights: UnsafeMutablePointer<Float>, biases: UnsafeMutablePointer<Float>,
                                      accumulate: Bool) {
        gym_weight_gradient(m, n, rows, x, dY, weights, biases, accumulate ? 1 : 0)
    }

    @inline(__always)
    public static func backwardIntoTanh(rows: Int, inputs: Int, outputs: Int, dY: UnsafePointer<Float>,
                                        weights: UnsafePointer<Float>, tanhOutputs: UnsafePointer<Float>,
                                        weightGradients: UnsafeMutablePointer<Float>, biasGradients: UnsafeMutablePointer<Float>,
                                        accumulate: Bool, dX: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        gym_head_backward(rows, inputs, outputs, dY, weights, tanhOutputs, weightGradients, biasGradients,
                          accumulate ? 1 : 0, dX, scratch)
    }

    @inline(__always)
    public static func transpose(rows: Int, columns: Int, source: UnsafePointer<Float>,
                                 destination: UnsafeMutablePointer<Float>) {
        gym_transpose(rows, columns, source, destination)
    }

    @inline(__always)
    public static func tanhInPlace(_ values: UnsafeMutablePointer<Float>, count: Int) {
        gym_tanh_inplace(values, count)
    }

    @inline(__always)
    public static func tanhBackward(outputs: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>, count: Int) {
        gym_tanh_backward(outputs, gradient, count)
    }

    public static func reluBackward(outputs: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>, count: Int) {
        gym_relu_backward(outputs, gradient, count)
    }

    @inline(__always)
    public static func addColumnSums(_ rows: UnsafePointer<Float>, rowCount: Int, columns: Int,
                                     into sums: UnsafeMutablePointer<Float>) {
        gym_add_column_sums(rows, rowCount, columns, sums)
    }

    @inline(__always)
    public static func adamStep(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
                                firstMoment: UnsafeMutablePointer<Float>, secondMoment: UnsafeMutablePointer<Float>,
                                range: Range<Int>, gradientScale: Float, stepSize: Float, correction2: Float,
                                beta1: Float, beta2: Float, epsilon: Float) {
        gym_adam_step(parameters, gradients, firstMoment, secondMoment, range.lowerBound, range.upperBound,
                      gradientScale, stepSize, correction2, beta1, beta2, epsilon)
    }

    @inline(__always)
    public static func sumOfSquares(_ values: UnsafePointer<Float>, range: Range<Int>) -> Double {
        gym_sum_squares(values, range.lowerBound, range.upperBound)
    }

    /// A rational approximation (the minimax fit Eigen uses for `float`, its polynomials in fused
    /// multiply-adds), within 1e-6 of libm: the reference the kernels follow (CKernelTests holds
    /// them equal). Lane by lane `addingProduct` is a libm call where Swift's target has no FMA
    /// instruction: the scalar `tanh` below goes through the kernel instead.
    public static func tanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // Beyond ±8.0 (Eigen's bound for the fused form) the fit diverges while tanh is 1 to float
        // precision: clamp first (in C, where it is two instructions; see CKernels).
        let clamped = gym_clamp8(x, 7.99881172180175781)
        let x2 = clamped * clamped
        func step(_ accumulator: SIMD8<Float>, _ constant: Float) -> SIMD8<Float> {
            SIMD8(repeating: constant).addingProduct(accumulator, x2)
        }
        var p = SIMD8<Float>(repeating: -2.76076847742355e-16)
        p = step(p, 2.00018790482477e-13)
        p = step(p, -8.60467152213735e-11)
        p = step(p, 5.12229709037114e-08)
        p = step(p, 1.48572235717979e-05)
        p = step(p, 6.37261928875436e-04)
        p = step(p, 4.89352455891786e-03)
        p = p * clamped
        var q = SIMD8<Float>(repeating: 1.19825839466702e-06)
        q = step(q, 1.18534705686654e-04)
        q = step(q, 2.26843463243900e-03)
        q = step(q, 4.89352518554385e-03)
        // Near zero p/q = x·α1/β0, a relative error of 1.3e-7: no special case needed.
        return p / q
    }

    @inline(__always)
    public static func relu(_ x: SIMD8<Float>) -> SIMD8<Float> { gym_relu8(x) }

    /// One value through the kernel (the same bits as the reference above).
    @inline(__always)
    public static func tanh(_ x: Float) -> Float {
        var value = x
        gym_tanh_inplace(&value, 1)
        return value
    }
    @inline(__always) public static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    @inline(__always) public static func log(_ x: Float) -> Float { Foundation.log(x) }
    /// Eight lanes at a time with the bits of glibc's expf and logf (gym_exp_log.c).
    @inline(__always)
    public static func exp(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        gym_exp_floats(x, y, count)
    }
    @inline(__always)
    public static func log(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        gym_log_floats(x, y, count)
    }
    @inline(__always) public static func sqrt(_ x: Float) -> Float { x.squareRoot() }
    @inline(__always) public static func index(_ x: Float) -> Int { Int(x) }
}

extension Double: NetworkScalar {
    public static func multiply(m: Int, n: Int, k: Int, a: UnsafePointer<Double>, aRowStride: Int, aColumnStride: Int,
                                b: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>, accumulate: Bool) {
        MatrixMultiply.reference(m: m, n: n, k: k, a: a, aRowStride: aRowStride, aColumnStride: aColumnStride,
                                 b: b, c: c, accumulate: accumulate)
    }

    public static func multiplyTransposed(m: Int, n: Int, k: Int, a: UnsafePointer<Double>, aRowStride: Int,
                                          aColumnStride: Int, bt: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>,
                                          accumulate: Bool, scratch: UnsafeMutablePointer<Double>) {
        transpose(rows: n, columns: k, source: bt, destination: scratch)
        multiply(m: m, n: n, k: k, a: a, aRowStride: aRowStride, aColumnStride: aColumnStride, b: scratch, c: c,
                 accumulate: accumulate)
    }

    public static func layerForward(m: Int, n: Int, k: Int, x: UnsafePointer<Double>, weights: UnsafePointer<Double>,
                                    bias: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>, activateTanh: Bool) {
        for r in 0..<m { (y + r * n).update(from: bias, count: n) }
        multiply(m: m, n: n, k: k, a: x, aRowStride: k, aColumnStride: 1, b: weights, c: y, accumulate: true)
        if activateTanh { tanhInPlace(y, count: m * n) }
    }

    public static func multiplyTransposedThroughTanh(m: Int, n: Int, k: Int, a: UnsafePointer<Double>,
                                                     bt: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>,
                                                     tanhOutputs: UnsafePointer<Double>, scratch: UnsafeMutablePointer<Double>) {
        multiplyTransposed(m: m, n: n, k: k, a: a, aRowStride: k, aColumnStride: 1, bt: bt, c: c, accumulate: false,
                           scratch: scratch)
        tanhBackward(outputs: tanhOutputs, gradient: c, count: m * n)
    }

    public static func weightGradient(m: Int, n: Int, rows: Int, x: UnsafePointer<Double>, dY: UnsafePointer<Double>,
                                      weights: UnsafeMutablePointer<Double>, biases: UnsafeMutablePointer<Double>,
                                      accumulate: Bool) {
        addColumnSums(dY, rowCount: rows, columns: n, into: biases)
        multiply(m: m, n: n, k: rows, a: x, aRowStride: 1, aColumnStride: m, b: dY, c: weights, accumulate: accumulate)
    }

    public static func backwardIntoTanh(rows: Int, inputs: Int, outputs: Int, dY: UnsafePointer<Double>,
                                        weights: UnsafePointer<Double>, tanhOutputs: UnsafePointer<Double>,
                                        weightGradients: UnsafeMutablePointer<Double>, biasGradients: UnsafeMutablePointer<Double>,
                                        accumulate: Bool, dX: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Double>) {
        weightGradient(m: inputs, n: outputs, rows: rows, x: tanhOutputs, dY: dY, weights: weightGradients,
                       biases: biasGradients, accumulate: accumulate)
        multiplyTransposedThroughTanh(m: rows, n: inputs, k: outputs, a: dY, bt: weights, c: dX, tanhOutputs: tanhOutputs,
                                      scratch: scratch)
    }

    public static func transpose(rows: Int, columns: Int, source: UnsafePointer<Double>,
                                 destination: UnsafeMutablePointer<Double>) {
        MatrixMultiply.referenceTranspose(rows: rows, columns: columns, source: source, destination: destination)
    }

    public static func tanhInPlace(_ values: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { values[i] = Foundation.tanh(values[i]) }
    }

    public static func tanhBackward(outputs: UnsafePointer<Double>, gradient: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { gradient[i] *= 1 - outputs[i] * outputs[i] }
    }

    public static func reluBackward(outputs: UnsafePointer<Double>, gradient: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count where outputs[i] <= 0 { gradient[i] = 0 }
    }

    public static func addColumnSums(_ rows: UnsafePointer<Double>, rowCount: Int, columns: Int,
                                     into sums: UnsafeMutablePointer<Double>) {
        for r in 0..<rowCount {
            for j in 0..<columns { sums[j] += rows[r * columns + j] }
        }
    }

    public static func adamStep(parameters: UnsafeMutablePointer<Double>, gradients: UnsafePointer<Double>,
                                firstMoment: UnsafeMutablePointer<Double>, secondMoment: UnsafeMutablePointer<Double>,
                                range: Range<Int>, gradientScale: Double, stepSize: Double, correction2: Double,
                                beta1: Double, beta2: Double, epsilon: Double) {
        Adam.referenceStep(parameters: parameters, gradients: gradients, firstMoment: firstMoment,
                           secondMoment: secondMoment, range: range, gradientScale: gradientScale, stepSize: stepSize, correction2: correction2,
                           beta1: beta1, beta2: beta2, epsilon: epsilon)
    }

    public static func sumOfSquares(_ values: UnsafePointer<Double>, range: Range<Int>) -> Double {
        ParameterBuffer<Double>.referenceSumOfSquares(values, range: range)
    }

    /// Exact (libm) in Double: this instantiation exists for the gradient tests.
    public static func tanh(_ x: SIMD8<Double>) -> SIMD8<Double> {
        var y = x
        for i in 0..<8 { y[i] = Foundation.tanh(x[i]) }
        return y
    }
    public static func relu(_ x: SIMD8<Double>) -> SIMD8<Double> {
        var y = x
        for i in 0..<8 { y[i] = Swift.max(x[i], 0) }
        return y
    }
    public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    public static func log(_ x: Double) -> Double { Foundation.log(x) }
    public static func exp(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { y[i] = Foundation.exp(x[i]) }
    }
    public static func log(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { y[i] = Foundation.log(x[i]) }
    }
    public static func sqrt(_ x: Double) -> Double { x.squareRoot() }
    public static func index(_ x: Double) -> Int { Int(x) }
}
