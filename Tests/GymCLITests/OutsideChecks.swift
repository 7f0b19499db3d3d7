import Foundation
import Testing

/// The outside tools that check gym's files (TensorBoard's reader, Chromium), installed by
/// scripts/install-test-deps. `scripts/test` requires them; a bare `swift test` without them
/// skips those tests.
enum OutsideChecks {
    static let python = projectRoot.appendingPathComponent(".venv-checks/bin/python").path
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let required = ProcessInfo.processInfo.environment["GYM_OUTSIDE_CHECKS"] == "required"
    static let available = FileManager.default.isExecutableFile(atPath: python)
    static var enabled: Bool { available || required }

    /// Runs Tests/OutsideChecks/`script` with `arguments` (and `--chromium PATH` when the check
    /// opens pages in a browser); its status and output.
    static func run(_ script: String, _ arguments: [String], browser: Bool = false) throws -> (status: Int32, output: String) {
        guard available else { return (127, "\(python) is missing: run scripts/install-test-deps") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [projectRoot.appendingPathComponent("Tests/OutsideChecks/" + script).path] + arguments
            + (browser ? chromium.map { ["--chromium", $0] } ?? [] : [])
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
