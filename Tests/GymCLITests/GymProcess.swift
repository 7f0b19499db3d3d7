import Foundation
import TestScratch

let projectRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The built `gym` executable: beside the test bundle, which is where `swift test` builds it.
let gymExecutable: URL = {
    let candidates = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gym"),
        Bundle.main.bundleURL.appendingPathComponent("gym"),
        projectRoot.appendingPathComponent(".build/debug/gym"),
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
}()

struct GymResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `gym` with `arguments` from the project root and collects its output.
func gym(_ arguments: String...) throws -> GymResult {
    try gym(arguments)
}

func gym(_ arguments: [String]) throws -> GymResult {
    let process = Process()
    process.executableURL = gymExecutable
    process.arguments = arguments
    process.currentDirectoryURL = projectRoot
    // Output goes to files: no pipe can fill up and block the child.
    let folder = try TestScratch.folder("run")
    defer { try? FileManager.default.removeItem(at: folder) }
    let outURL = folder.appendingPathComponent("stdout"), errURL = folder.appendingPathComponent("stderr")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    try process.run()
    process.waitUntilExit()
    return GymResult(status: process.terminationStatus,
                     stdout: try String(contentsOf: outURL, encoding: .utf8),
                     stderr: try String(contentsOf: errURL, encoding: .utf8))
}

/// A fresh empty folder under the temporary directory.
func temporaryFolder() throws -> String {
    try TestScratch.folder("cli").path
}

func temporaryFile(_ contents: String, name: String) throws -> String {
    let folder = try TestScratch.folder("cli")
    let url = folder.appendingPathComponent(name)
    try contents.write(to: url, atomically: false, encoding: .utf8)
    return url.path
}

/// The JSON objects of a --jsonl output.
func jsonLines(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map {
        try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
}
