import CKernels
import Foundation

/// The element type of networks and their gradients. Training runs in `Float`; the gradient
/// tests instantiate the same code in `Double`, so finite differences are accurate.
public protocol NetworkScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable
where Self.RawSignificand: FixedWidthInteger {
    /// tanh of eight lanes at once: the hot activation, so it must vectorize.
    static func tanh(_ x: SIMD8<Self>) -> SIMD8<Self>
    static func relu(_ x: SIMD8<Self>) -> SIMD8<Self>
    static func tanh(_ x: Self) -> Self
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func sqrt(_ x: Self) -> Self
}

extension Float: NetworkScalar {
    /// A rational approximation (the minimax fit Eigen uses for `float`), within 1e-6 of libm:
    /// libm's scalar `tanhf` costs tens of cycles, and training evaluates thousands per step.
    @inline(__always)
    public static func tanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // Beyond ±7.9 the fit diverges while tanh is 1 to float precision: clamp first (in C,
        // where it is two instructions; see CKernels).
        let clamped = gym_clamp8(x, 7.90531110763549805)
        let x2 = clamped * clamped
        var p = SIMD8<Float>(repeating: -2.76076847742355e-16)
        p = p * x2 + 2.00018790482477e-13
        p = p * x2 + -8.60467152213735e-11
        p = p * x2 + 5.12229709037114e-08
        p = p * x2 + 1.48572235717979e-05
        p = p * x2 + 6.37261928875436e-04
        p = p * x2 + 4.89352455891786e-03
        p = p * clamped
        var q = SIMD8<Float>(repeating: 1.19825839466702e-06)
        q = q * x2 + 1.18534705686654e-04
        q = q * x2 + 2.26843463243900e-03
        q = q * x2 + 4.89352518554385e-03
        // Near zero p/q = x·α1/β0, a relative error of 1.3e-7: no special case needed.
        return p / q
    }

    @inline(__always)
    public static func relu(_ x: SIMD8<Float>) -> SIMD8<Float> { gym_relu8(x) }

    @inline(__always)
    public static func tanh(_ x: Float) -> Float {
        tanh(SIMD8(repeating: x))[0]
    }
    @inline(__always) public static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    @inline(__always) public static func log(_ x: Float) -> Float { Foundation.log(x) }
    @inline(__always) public static func sqrt(_ x: Float) -> Float { x.squareRoot() }
}

extension Double: NetworkScalar {
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
    public static func sqrt(_ x: Double) -> Double { x.squareRoot() }
}
