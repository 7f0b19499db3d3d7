import ArgumentParser
import Environments
import Foundation
import PolicyFile
import PPO
import RunLogs

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a policy over stdin/stdout: JSON observations in, JSON actions out, one per line.",
        usage: "gym serve <policy> [--stochastic] [--seed <seed>]",
        discussion: """
        For driving a policy from another program (Python, Node, a game engine) through a pipe. \
        Each line of stdin is an observation, raw as the env returns it: a JSON array of \
        numbers, or an object {"obs": [...], "id": ...}. Each gets one line on stdout, flushed \
        at once: {"action": [...]} for a box (the mean, clipped to the box), {"action": n} for \
        a discrete space (the most likely action); the object's "id" is echoed back. The \
        policy's observation normalization is applied, as in gym run --policy. A line that is \
        not an observation gets {"error": "..."} (and its id, if any) and serving goes on. It \
        ends at the end of stdin, with exit code 0.

          printf '[1, 0, 0.5]\\n' | gym serve policies/pendulum.policy
          gym serve policies/cartpole.policy < observations.jsonl > actions.jsonl
        """
    )

    @Argument(help: "The policy file.")
    var policy: String

    @Flag(help: "Sample actions instead of taking the most likely one.")
    var stochastic = false

    @Option(help: "Seed of the sampling (with --stochastic).")
    var seed: UInt64 = 0

    /// Longer lines are refused without being held in memory.
    static let maximumLineBytes = 1 << 20

    func run() throws {
        let trained = try PolicyCodec.read(from: policy).policy
        let runner = PolicyRunner(policy: trained)
        let size = trained.architecture.observationSize
        var observation = [Double](repeating: 0, count: size)
        var action = [Double](repeating: 0, count: trained.actionSpace.flatSize)
        var rng = SeededGenerator(seed: SeededGenerator.derive(seed, stream: 2))
        var number = 0
        try Self.lines(maximum: Self.maximumLineBytes) { line in
            number += 1
            let answer: String
            let parsed = line.map { Self.parse($0, size: size) }
                ?? .failure("the line is longer than \(Self.maximumLineBytes >> 20) MiB", id: nil)
            switch parsed {
            case .skip:
                return
            case .failure(let message, let id):
                answer = "{" + (id.map { "\"id\":\($0)," } ?? "") + "\"error\":\(JSONString.quoted("line \(number): \(message)"))}"
            case .observation(let values, let id):
                observation = values
                observation.withUnsafeBufferPointer { o in
                    action.withUnsafeMutableBufferPointer { a in runner.act(o, into: a, deterministic: !stochastic, rng: &rng) }
                }
                let text: String
                if case .discrete = trained.actionSpace { text = String(Int(action[0])) } else { text = JSONLine.array(action) }
                answer = "{" + (id.map { "\"id\":\($0)," } ?? "") + "\"action\":\(text)}"
            }
            Console.out(answer + "\n")
        }
    }

    enum Parsed {
        case skip
        case observation([Double], id: String?)
        case failure(String, id: String?)
    }

    /// One input line: an observation, a blank line, or what is wrong with it.
    static func parse(_ line: Substring, size: Int) -> Parsed {
        let text = line.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return .skip }
        guard let json = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else {
            return .failure("not JSON: \(text.prefix(60))", id: nil)
        }
        var values: Any = json
        var id: String?
        if let object = json as? [String: Any] {
            if let raw = object["id"], let data = try? JSONSerialization.data(withJSONObject: [raw], options: [.fragmentsAllowed]) {
                id = String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
            }
            guard let obs = object["obs"] else { return .failure("an object needs \"obs\": [numbers]", id: id) }
            values = obs
        }
        guard let list = values as? [Any] else { return .failure("an observation is a JSON array of numbers", id: id) }
        guard list.count == size else {
            return .failure("the observation has \(list.count) value\(list.count == 1 ? "" : "s"); the policy takes \(size)", id: id)
        }
        var numbers: [Double] = []
        numbers.reserveCapacity(size)
        for (i, item) in list.enumerated() {
            // JSON's true and false come back as NSNumbers too; their type code is "c".
            guard let value = item as? NSNumber, String(cString: value.objCType) != "c" else {
                return .failure("obs[\(i + 1)] is not a number", id: id)
            }
            let x = value.doubleValue
            guard x.isFinite else { return .failure("obs[\(i + 1)] is not finite", id: id) }
            numbers.append(x)
        }
        return .observation(numbers, id: id)
    }

    /// Calls `body` with each line of stdin as it arrives (a pipe gets its answer before the
    /// next line is written); with nil for a line longer than `maximum` bytes, which is never
    /// held whole.
    static func lines(maximum: Int, _ body: (Substring?) throws -> Void) throws {
        var pending: [UInt8] = []
        var discarding = false
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            for byte in chunk[0..<n] {
                if byte == UInt8(ascii: "\n") {
                    try body(discarding ? nil : Substring(String(decoding: pending, as: UTF8.self)))
                    pending.removeAll(keepingCapacity: true)
                    discarding = false
                } else if !discarding {
                    pending.append(byte)
                    if pending.count > maximum { discarding = true; pending.removeAll(keepingCapacity: true) }
                }
            }
        }
        if discarding || !pending.isEmpty { try body(discarding ? nil : Substring(String(decoding: pending, as: UTF8.self))) }
    }
}
