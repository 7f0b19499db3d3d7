import ArgumentParser
import Environments
import LuaBridge

/// The actions of a `gym run --actions` file, parsed and checked against the action space.
struct ActionScript {
    var actions: [[Double]]

    init(path: String, space: Space) throws {
        let bytes: [UInt8]
        do {
            bytes = try BoundedFile.read(path, limit: 1 << 28, what: "actions file")
        } catch {
            throw CLIError(error.description)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw CLIError("\(path): not UTF-8 text") }
        actions = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
            let place = "\(path):\(index + 1)"
            switch space {
            case .discrete(let n):
                guard fields.count == 1, let value = Int(fields[0]), (0..<n).contains(value) else {
                    throw ValidationError("\(place): expected one integer action in 0..<\(n), found '\(line)'")
                }
                actions.append([Double(value)])
            case .box(let low, _):
                let values = fields.compactMap { Double($0) }
                guard values.count == fields.count, values.count == low.count, values.allSatisfy(\.isFinite) else {
                    throw ValidationError("\(place): expected \(low.count == 1 ? "1 finite number" : "\(low.count) finite numbers"), found '\(line)'")
                }
                actions.append(values)
            }
        }
        guard !actions.isEmpty else { throw ValidationError("\(path): the actions file has no actions") }
    }
}
