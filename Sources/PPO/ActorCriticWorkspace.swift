/// Per-thread memory for running the actor-critic on a batch: one MLP workspace per part.
/// In shared mode the trunk runs once and both heads read its output.
final class ActorCriticWorkspace<T: NetworkScalar> {
    let architecture: NetworkArchitecture
    let offsets: NetworkArchitecture.Offsets
    let capacity: Int
    let trunk: MLPWorkspace<T>?
    let actor: MLPWorkspace<T>
    let critic: MLPWorkspace<T>

    /// `offsets`: where the parts start in the parameters it will be given (the packed layout
    /// by default; the trainer's buffers use `trainingOffsets`).
    init(architecture: NetworkArchitecture, capacity: Int, offsets: NetworkArchitecture.Offsets? = nil) {
        self.architecture = architecture
        self.offsets = offsets ?? architecture.offsets
        self.capacity = capacity
        trunk = architecture.trunk.map { MLPWorkspace(shape: $0, capacity: capacity) }
        actor = MLPWorkspace(shape: architecture.actor, capacity: capacity)
        critic = MLPWorkspace(shape: architecture.critic, capacity: capacity)
    }

    /// The input the heads see: the observations, or the trunk's output for them.
    private func headInput(_ parameters: UnsafePointer<T>, _ observations: UnsafePointer<T>, _ rows: Int,
                           runTrunk: Bool) -> UnsafePointer<T> {
        guard let trunk else { return observations }
        if runTrunk { trunk.forward(parameters: parameters, input: observations, rows: rows) }
        return trunk.output
    }

    /// Policy outputs (means or logits), rows x outputSize.
    @discardableResult
    @_specialize(where T == Float)
    func forwardPolicy(_ parameters: UnsafePointer<T>, observations: UnsafePointer<T>, rows: Int,
                       runTrunk: Bool = true) -> UnsafePointer<T> {
        let input = headInput(parameters, observations, rows, runTrunk: runTrunk)
        return actor.forward(parameters: parameters + offsets.actor, input: input, rows: rows)
    }

    /// Values, one per row.
    @discardableResult
    @_specialize(where T == Float)
    func forwardValue(_ parameters: UnsafePointer<T>, observations: UnsafePointer<T>, rows: Int,
                      runTrunk: Bool = true) -> UnsafePointer<T> {
        let input = headInput(parameters, observations, rows, runTrunk: runTrunk)
        return critic.forward(parameters: parameters + offsets.critic, input: input, rows: rows)
    }
}
