/// The one rule that ends an episode by time (Gymnasium's `TimeLimit` wrapper): after
/// `steps` steps an episode that has not terminated is truncated. Every loop that steps an env
/// (training's vector env, the episode runner behind run, eval, check and bench) asks this.
public struct TimeLimit: Equatable, Sendable {
    /// gym's own ceiling for episodes that a person waits on (run, eval, evaluation during
    /// training): a million steps, hundreds of times any shipped env's episode, so an env that
    /// never ends (`max_steps = math.maxinteger`) cannot hang them.
    public static let hostCap = 1_000_000

    /// The limit the env (or its scenario) declares as `max_steps`.
    public let declared: Int
    /// The limit in force: `declared`, or the cap when that is lower.
    public let steps: Int

    /// `declared` steps, lowered to `cap` when one is given and lower (at least 1).
    public init(declared: Int, cap: Int? = nil) {
        self.declared = declared
        steps = cap.map { Swift.min(declared, Swift.max(1, $0)) } ?? declared
    }

    /// Episodes stop at the cap before the env's own limit.
    public var isCapped: Bool { steps < declared }

    /// Whether an episode `length` steps long, whose last step did or did not terminate, ends
    /// here by time.
    @inline(__always)
    public func truncates(length: Int, terminated: Bool) -> Bool {
        !terminated && length >= steps
    }
}
