/// A multilayer perceptron's shape: sizes from input to output, one activation between layers
/// and, for a shared trunk whose output feeds heads, optionally after the last layer too.
public struct MLPShape: Codable, Equatable, Sendable {
    public var sizes: [Int]
    public var activation: Activation
    public var activatesOutput: Bool

    public init(sizes: [Int], activation: Activation, activatesOutput: Bool = false) {
        precondition(sizes.count >= 2 && sizes.allSatisfy { $0 > 0 }, "an MLP needs an input and an output size")
        self.sizes = sizes
        self.activation = activation
        self.activatesOutput = activatesOutput
    }

    public var inputSize: Int { sizes[0] }
    public var outputSize: Int { sizes[sizes.count - 1] }
    public var layerCount: Int { sizes.count - 1 }

    /// Layer l's weights are an `sizes[l] x sizes[l+1]` row-major block, followed by its biases.
    public func weightOffset(_ layer: Int) -> Int {
        var offset = 0
        for l in 0..<layer { offset += (sizes[l] + 1) * sizes[l + 1] }
        return offset
    }
    public func biasOffset(_ layer: Int) -> Int { weightOffset(layer) + sizes[layer] * sizes[layer + 1] }
    public var parameterCount: Int { weightOffset(layerCount) }

    func isActivated(_ layer: Int) -> Bool { layer < layerCount - 1 || activatesOutput }

    /// Multiply-adds of one row through the layers' matrix products.
    public var multiplyAdds: Int { (0..<layerCount).reduce(0) { $0 + sizes[$1] * sizes[$1 + 1] } }

    /// Multiply-adds of one row forward and back: the weight gradients cost one forward, the
    /// input gradients another but for the first layer's, unless the input's gradient is wanted.
    public func trainingMultiplyAdds(inputGradient: Bool) -> Int {
        2 * multiplyAdds + (inputGradient ? multiplyAdds : multiplyAdds - sizes[0] * sizes[1])
    }
}

/// Preallocated per-batch memory for one MLP: each layer's outputs (kept for backward) and two
/// gradient scratch blocks. One workspace per thread; nothing is allocated per call.
final class MLPWorkspace<T: NetworkScalar> {
    let shape: MLPShape
    let capacity: Int
    private let outputs: [UnsafeMutablePointer<T>]
    private let gradientScratch: (UnsafeMutablePointer<T>, UnsafeMutablePointer<T>)
    /// Where a layer's weights are transposed for the input gradient, when the kernel copies
    /// them whole (the helper thread has its own).
    private let transposedWeights: UnsafeMutablePointer<T>
    private let helperScratch: UnsafeMutablePointer<T>
    /// The input of the last forward pass; backward needs it for the first layer's weights.
    private var input: UnsafePointer<T>?
    private var rows = 0

    init(shape: MLPShape, capacity: Int) {
        self.shape = shape
        self.capacity = capacity
        outputs = (1...shape.layerCount).map { .allocate(count: capacity * shape.sizes[$0], filledWith: 0) }
        let widest = shape.sizes.max()!
        gradientScratch = (.allocate(count: capacity * widest, filledWith: 0), .allocate(count: capacity * widest, filledWith: 0))
        var largest = 0
        for l in 0..<shape.layerCount { largest = Swift.max(largest, shape.sizes[l] * shape.sizes[l + 1]) }
        transposedWeights = .allocate(count: largest, filledWith: 0)
        helperScratch = .allocate(count: largest, filledWith: 0)
    }

    deinit {
        outputs.forEach { $0.deallocate() }
        gradientScratch.0.deallocate()
        gradientScratch.1.deallocate()
        transposedWeights.deallocate()
        helperScratch.deallocate()
    }

    var output: UnsafePointer<T> { UnsafePointer(outputs[shape.layerCount - 1]) }

    /// Runs `rows` inputs (rows x inputSize, row-major) through the network. `input` must stay
    /// valid until `backward` has run.
    ///
    /// With a `helper`, each layer's rows are split between this thread and the helper: every
    /// output is one chain of multiply-adds in a fixed order whichever rows a call covers, and
    /// the split falls on a multiple of 8 rows (whole vectors for the activations), so the bits
    /// are the same either way.
    @discardableResult
    @_specialize(where T == Float)
    func forward(parameters: UnsafePointer<T>, input: UnsafePointer<T>, rows: Int,
                 helper: HelperThread? = nil) -> UnsafePointer<T> {
        precondition(rows <= capacity, "batch of \(rows) exceeds the workspace's \(capacity)")
        self.input = input
        self.rows = rows
        var x = input
        let split = helper == nil ? 0 : rows / 16 * 8
        for l in 0..<shape.layerCount {
            let (inSize, outSize) = (shape.sizes[l], shape.sizes[l + 1])
            let y = outputs[l]
            let bias = parameters + shape.biasOffset(l)
            let layerInput = x
            // Local functions, not closures in constants: passed only where they cannot escape,
            // they need no heap context (this runs once per layer per minibatch).
            let activated = shape.isActivated(l), tanh = activated && shape.activation == .tanh
            func run(_ first: Int, _ count: Int) {
                let yRows = y + first * outSize
                T.layerForward(m: count, n: outSize, k: inSize, x: layerInput + first * inSize,
                               weights: parameters + self.shape.weightOffset(l), bias: bias, y: yRows, activateTanh: tanh)
                if activated && !tanh { self.shape.activation.forward(yRows, count: count * outSize) }
            }
            if let helper, split > 0 {
                helper.fork({ run(0, split) }, { run(split, rows - split) })
            } else {
                run(0, rows)
            }
            x = UnsafePointer(y)
        }
        return UnsafePointer(outputs[shape.layerCount - 1])
    }

    /// Copies the last forward pass of `source` (same shape), every layer's outputs for its
    /// `count` rows, into rows `first..<first + count` here: the rollout's passes, step by step,
    /// kept for the update's first backward pass (`adoptForward`).
    /// Called every rollout step: the shapes (which the update's and the rollout's workspaces
    /// take from one architecture) are compared only in debug builds.
    func storeRows(of source: MLPWorkspace<T>, count: Int, at first: Int) {
        assert(source.shape == shape)
        precondition(first + count <= capacity)
        for l in 0..<shape.layerCount {
            let width = shape.sizes[l + 1]
            (outputs[l] + first * width).update(from: source.outputs[l], count: count * width)
        }
    }

    /// Takes the outputs `storeRows` filled as the forward pass of `input` (`rows` rows), for
    /// the next backward pass, instead of computing it again; returns the network's output.
    /// The caller vouches that they are the outputs this input and these parameters give.
    func adoptForward(input: UnsafePointer<T>, rows: Int) -> UnsafePointer<T> {
        precondition(rows <= capacity)
        self.input = input
        self.rows = rows
        return output
    }

    /// Zeroes the bias blocks of `gradients` (this network's layout): what a backward pass that
    /// overwrites the weight gradients still adds into.
    func zeroBiasGradients(_ gradients: UnsafeMutablePointer<T>) {
        for l in 0..<shape.layerCount {
            (gradients + shape.biasOffset(l)).update(repeating: 0, count: shape.sizes[l + 1])
        }
    }

    /// Back-propagates `outputGradient` (rows x outputSize, the loss's gradient at the network's
    /// output) through the last forward pass. Adds parameter gradients into `gradients` (same
    /// layout as the parameters; nil skips them, when only the input's gradient is wanted) and,
    /// if asked, writes the gradient at the input. With `overwritingWeights`, the weight
    /// gradients are written instead of added (the same bits as adding into zeros, without
    /// zeroing them and reading the zeros back); the bias gradients are still added.
    ///
    /// With a `helper`, each layer's weight gradient (Xᵀ dY) runs on the helper while this thread
    /// computes the gradient at the layer's input (dY Wᵀ): the two read the same dY and write
    /// disjoint memory, so the result is the same bits either way.
    @_specialize(where T == Float)
    func backward(parameters: UnsafePointer<T>, outputGradient: UnsafePointer<T>,
                  gradients: UnsafeMutablePointer<T>?, inputGradient: UnsafeMutablePointer<T>? = nil,
                  helper: HelperThread? = nil, overwritingWeights: Bool = false) {
        guard let input else { preconditionFailure("backward before forward") }
        var (dY, dX) = gradientScratch
        dY.update(from: outputGradient, count: rows * shape.outputSize)
        // Whether dY already went back through its layer's tanh, in the product that made it.
        var throughActivation = false
        for l in stride(from: shape.layerCount - 1, through: 0, by: -1) {
            let (inSize, outSize) = (shape.sizes[l], shape.sizes[l + 1])
            if shape.isActivated(l) && !throughActivation {
                shape.activation.backward(outputs: outputs[l], gradient: dY, count: rows * outSize)
            }
            let x = l == 0 ? input : UnsafePointer(outputs[l - 1])
            let layerGradient = UnsafePointer(dY)
            func weightGradient() {
                guard let gradients else { return }
                // dW (in x out) += Xᵀ dY (or = when overwriting), db += dY's column sums.
                T.weightGradient(m: inSize, n: outSize, rows: rows, x: x, dY: layerGradient,
                                 weights: gradients + shape.weightOffset(l), biases: gradients + shape.biasOffset(l),
                                 accumulate: !overwritingWeights)
            }
            let target: UnsafeMutablePointer<T>
            if l > 0 { target = dX } else if let inputGradient { target = inputGradient } else { weightGradient(); break }
            // dX (rows x in) = dY Wᵀ, over rows [first, first + count). W is in x out, so it is
            // Bᵀ itself; `scratch` takes the transposed copy where the kernel makes one.
            // Into a hidden tanh layer, the product also takes tanh's derivative before it stores.
            let weights = parameters + shape.weightOffset(l)
            let intoTanh = l > 0 && shape.isActivated(l - 1) && shape.activation == .tanh
            let tanhOutputs = UnsafePointer(outputs[l == 0 ? 0 : l - 1])
            func gradientAtInput(_ first: Int, _ count: Int, _ scratch: UnsafeMutablePointer<T>) {
                if intoTanh {
                    T.multiplyTransposedThroughTanh(m: count, n: inSize, k: outSize, a: layerGradient + first * outSize,
                                                    bt: weights, c: target + first * inSize,
                                                    tanhOutputs: tanhOutputs + first * inSize, scratch: scratch)
                } else {
                    T.multiplyTransposed(m: count, n: inSize, k: outSize, a: layerGradient + first * outSize,
                                         aRowStride: outSize, aColumnStride: 1, bt: weights, c: target + first * inSize,
                                         accumulate: false, scratch: scratch)
                }
            }
            if helper == nil, intoTanh, let gradients {
                // Both gradients in one pass over the layer's input (one kernel for a head).
                T.backwardIntoTanh(rows: rows, inputs: inSize, outputs: outSize, dY: layerGradient, weights: weights,
                                   tanhOutputs: x, weightGradients: gradients + shape.weightOffset(l),
                                   biasGradients: gradients + shape.biasOffset(l), accumulate: !overwritingWeights,
                                   dX: target, scratch: transposedWeights)
            } else if let helper, gradients != nil {
                helper.fork({ gradientAtInput(0, rows, transposedWeights) }, { weightGradient() })
            } else if let helper, rows >= 16 {
                // Only the input's gradient: its rows split between the threads (same bits),
                // each with its own scratch.
                let split = rows / 16 * 8
                helper.fork({ gradientAtInput(0, split, transposedWeights) },
                            { gradientAtInput(split, rows - split, helperScratch) })
            } else {
                weightGradient()
                gradientAtInput(0, rows, transposedWeights)
            }
            throughActivation = intoTanh
            swap(&dY, &dX)
        }
    }
}
