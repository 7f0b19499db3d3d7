import Environments

/// The actor-critic's shape and where each part lives in the one flat parameter buffer.
///
/// Separate (default): actor MLP obs → hidden → policy outputs, critic MLP obs → hidden → 1.
/// Shared (`--shared`): one trunk obs → hidden (activated), then a linear policy head and a linear
/// value head on the trunk's output. Layout: [trunk][actor][log std][critic], so the policy's
/// parameters (and, when shared, the trunk) come first and the critic's last.
public struct NetworkArchitecture: Codable, Equatable, Sendable {
    public var observationSize: Int
    public var distribution: ActionDistributionKind
    public var hidden: [Int]
    public var activation: Activation
    public var shared: Bool
    /// PPO has one critic of the state; the off-policy algorithms have one (DDPG) or two (TD3,
    /// SAC) critics of the state and the action, laid out one after the other.
    public var criticCount: Int

    public init(observationSize: Int, distribution: ActionDistributionKind, hidden: [Int],
                activation: Activation, shared: Bool, criticCount: Int = 1) {
        precondition(!(shared && hidden.isEmpty), "a shared trunk needs at least one hidden layer")
        precondition(!(shared && distribution.isSquashed), "off-policy actors and critics are separate")
        self.observationSize = observationSize
        self.distribution = distribution
        self.hidden = hidden
        self.activation = activation
        self.shared = shared
        self.criticCount = criticCount
    }

    /// The off-policy actor and critics for `algorithm`: separate MLPs, two critics but for DDPG.
    public static func offPolicy(_ algorithm: PPOSettings.Algorithm, observationSize: Int, actionSize: Int,
                                 hidden: [Int], activation: Activation) -> NetworkArchitecture {
        NetworkArchitecture(observationSize: observationSize,
                            distribution: ActionDistributionKind(offPolicy: algorithm, dimensions: actionSize),
                            hidden: hidden, activation: activation, shared: false, criticCount: algorithm == .ddpg ? 1 : 2)
    }

    /// Whether the critics value (state, action) pairs: the off-policy Q functions.
    public var criticsTakeActions: Bool { distribution.isSquashed }

    public var trunk: MLPShape? {
        shared ? MLPShape(sizes: [observationSize] + hidden, activation: activation, activatesOutput: true) : nil
    }
    public var actor: MLPShape {
        MLPShape(sizes: (shared ? [hidden.last!] : [observationSize] + hidden) + [distribution.outputSize],
                 activation: activation)
    }
    /// One critic's shape (each of `criticCount` has it).
    public var critic: MLPShape {
        // Shared: a linear value head on the trunk's output, as the policy head is.
        if shared { return MLPShape(sizes: [hidden.last!, 1], activation: activation) }
        let input = observationSize + (criticsTakeActions ? distribution.actionSize : 0)
        return MLPShape(sizes: [input] + hidden + [1], activation: activation)
    }

    public var actorOffset: Int { trunk?.parameterCount ?? 0 }
    public var logStdOffset: Int { actorOffset + actor.parameterCount }
    public var criticOffset: Int { logStdOffset + distribution.extraParameterCount }
    /// Where critic `index` starts.
    public func criticOffset(_ index: Int) -> Int { criticOffset + index * critic.parameterCount }
    public var parameterCount: Int { criticOffset + criticCount * critic.parameterCount }

    /// Where each part starts, computed once: the offsets above rebuild the shapes (arrays) on
    /// every call, which per minibatch or env step would be allocations in the hot loop.
    /// `policyEnd` is where the actor's parameters and the log std end: `critic`, unless the
    /// layout leaves a gap before the critic (`trainingOffsets`).
    public struct Offsets: Sendable {
        public let actor: Int, logStd: Int, policyEnd: Int, critic: Int, parameterCount: Int
    }
    public var offsets: Offsets {
        Offsets(actor: actorOffset, logStd: logStdOffset, policyEnd: criticOffset, critic: criticOffset,
                parameterCount: parameterCount)
    }

    /// The layout of PPO's training buffers (parameters, gradients, Adam's moments): `offsets`
    /// with separate networks' critic moved up to the next multiple of 16 floats, so that both
    /// networks' weights start on a cache line (a 256-wide layer's products ran 1-3% slower off
    /// one) and the actor's thread and the critic's, which step and write their own ranges at
    /// the same moments, never write one line. The gap holds zeros that no pass reads into a
    /// result. Files and `TrainedPolicy` keep the packed layout (`packedParameters`). A shared
    /// trunk keeps it too: its gradient norm runs over all parameters at once.
    public var trainingOffsets: Offsets {
        guard !shared else { return offsets }
        let critic = (criticOffset + 15) / 16 * 16
        return Offsets(actor: actorOffset, logStd: logStdOffset, policyEnd: criticOffset, critic: critic,
                       parameterCount: critic + criticCount * self.critic.parameterCount)
    }

    /// Parameters in the packed layout (`parameterCount` of them) laid out as `trainingOffsets`
    /// says, zeros in the gap.
    func trainingLayout<T: NetworkScalar>(_ packed: [T]) -> [T] {
        precondition(packed.count == parameterCount)
        let layout = trainingOffsets
        var spread = [T](repeating: 0, count: layout.parameterCount)
        spread[0..<criticOffset] = packed[0..<criticOffset]
        spread[layout.critic..<layout.parameterCount] = packed[criticOffset..<parameterCount]
        return spread
    }

    /// The packed layout's parameters from buffers laid out as `trainingOffsets` says.
    func packedParameters<T: NetworkScalar>(_ training: UnsafePointer<T>) -> [T] {
        let layout = trainingOffsets
        return Array(UnsafeBufferPointer(start: training, count: criticOffset))
            + Array(UnsafeBufferPointer(start: training + layout.critic, count: parameterCount - criticOffset))
    }

    /// Orthogonal weights (gain √2 on hidden layers, 0.01 on the policy head, 1 on the value
    /// head), zero biases, log std at `logStdInit`: the initialization of the PPO baselines.
    func initialize<T: NetworkScalar>(_ parameters: UnsafeMutablePointer<T>, logStdInit: Double, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        parameters.update(repeating: 0, count: parameterCount)
        func fill(_ shape: MLPShape, at offset: Int, outputGain: Double) {
            for l in 0..<shape.layerCount {
                let gain = shape.isActivated(l) ? 2.0.squareRoot() : outputGain
                OrthogonalInitialization.fill(parameters + offset + shape.weightOffset(l), rows: shape.sizes[l],
                                              columns: shape.sizes[l + 1], gain: gain, rng: &rng)
            }
        }
        if let trunk { fill(trunk, at: 0, outputGain: 2.0.squareRoot()) }
        fill(actor, at: actorOffset, outputGain: 0.01)
        for i in 0..<distribution.extraParameterCount { parameters[logStdOffset + i] = T(logStdInit) }
        for index in 0..<criticCount { fill(critic, at: criticOffset(index), outputGain: 1) }
    }
}
