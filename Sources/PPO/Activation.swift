/// Hidden-layer nonlinearities. Forward overwrites pre-activations with outputs; backward turns
/// the gradient at a layer's output into the gradient at its pre-activation using only the
/// saved outputs (tanh' = 1 - y², relu' = [y > 0]), so nothing else is kept.
public enum Activation: String, Codable, Sendable, CaseIterable {
    case tanh
    case relu

    @inline(__always)
    @_specialize(where T == Float)
    func forward<T: NetworkScalar>(_ values: UnsafeMutablePointer<T>, count: Int) {
        var i = 0
        switch self {
        case .tanh:
            T.tanhInPlace(values, count: count)
        case .relu:
            while i + 8 <= count {
                let p = UnsafeMutableRawPointer(values + i)
                p.storeBytes(of: T.relu(p.loadUnaligned(as: SIMD8<T>.self)), as: SIMD8<T>.self)
                i += 8
            }
            while i < count { values[i] = Swift.max(values[i], 0); i += 1 }
        }
    }

    /// gradient[i] *= f'(x) where outputs[i] = f(x).
    @inline(__always)
    @_specialize(where T == Float)
    func backward<T: NetworkScalar>(outputs: UnsafePointer<T>, gradient: UnsafeMutablePointer<T>, count: Int) {
        switch self {
        case .tanh:
            T.tanhBackward(outputs: outputs, gradient: gradient, count: count)
        case .relu:
            T.reluBackward(outputs: outputs, gradient: gradient, count: count)
        }
    }
}
