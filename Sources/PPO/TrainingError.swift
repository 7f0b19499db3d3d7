/// Why training stopped or could not start.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// A NaN or infinity in a named quantity at a named update.
    case nonFinite(quantity: String, update: Int)
    case settings(String)

    public var description: String {
        switch self {
        case .nonFinite(let quantity, let update):
            "training stopped at update \(update): \(quantity) is not finite (NaN or infinity); the last good policy was kept"
        case .settings(let message):
            "invalid training settings: \(message)"
        }
    }
}
