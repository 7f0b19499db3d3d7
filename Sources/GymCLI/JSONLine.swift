import Environments
import Foundation

/// The JSON lines of `gym run --jsonl`. Numbers are printed in Swift's shortest round-trip form,
/// so a reader recovers every double exactly.
enum JSONLine {
    static func reset(episode: Int, observation: some Collection<Double>) -> String {
        "{\"episode\":\(episode),\"t\":0,\"obs\":\(array(observation))}\n"
    }

    static func step(episode: Int, t: Int, action: some Collection<Double>, space: Space, observation: some Collection<Double>,
                     reward: Double, terminated: Bool, truncated: Bool) -> String {
        let actionText: String
        if case .discrete = space { actionText = String(Int(action.first!)) } else { actionText = array(action) }
        return "{\"episode\":\(episode),\"t\":\(t),\"action\":\(actionText),\"obs\":\(array(observation)),"
            + "\"reward\":\(number(reward)),\"terminated\":\(terminated),\"truncated\":\(truncated)}\n"
    }

    static func array(_ values: some Collection<Double>) -> String {
        "[" + values.map(number).joined(separator: ",") + "]"
    }

    /// Observations and rewards are checked finite before they get here.
    static func number(_ value: Double) -> String { "\(value)" }
}

/// Collects output and writes it to stdout in large blocks.
struct OutputBuffer {
    private var pending = ""

    mutating func write(_ text: String) {
        pending += text
        if pending.utf8.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !pending.isEmpty else { return }
        Console.out(pending)
        pending = ""
    }
}
