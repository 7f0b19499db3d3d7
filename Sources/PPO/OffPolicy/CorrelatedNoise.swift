/// Exploration noise that wanders: the AR(1) process x ← ρ x + √(1 - ρ²) ξ over standard normal
/// draws ξ, a discrete Ornstein-Uhlenbeck process. Each draw is still standard normal (from a
/// start at zero, after a few 1 / (1 - ρ) steps), but neighbours agree: pushes that last many
/// steps reach what independent noise, averaging out, never does (MountainCarContinuous's flag).
/// With ρ = 0 the draws are ξ themselves.
enum CorrelatedNoise {
    static func next(after previous: Double, correlation rho: Double, fresh: Double) -> Double {
        rho == 0 ? fresh : rho * previous + (1 - rho * rho).squareRoot() * fresh
    }
}
