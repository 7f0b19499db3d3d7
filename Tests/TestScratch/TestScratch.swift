import Foundation

/// Where tests write their files: one folder per test process under the temporary directory,
/// removed when the process exits, so that a bare `swift test` leaves nothing behind (each
/// test used to make its own folder there and keep it: thousands piled up).
public enum TestScratch {
    /// `<temporary directory>/gym-tests-<pid>`, made (and its removal at exit arranged) on first use.
    public static let root: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gym-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: TestScratch.root) }
        return url
    }()

    /// A new empty folder of its own, its name starting with `prefix`.
    public static func folder(_ prefix: String) throws -> URL {
        let url = unusedURL(prefix)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A path nothing is at yet (for a file or a folder the code under test makes).
    public static func unusedPath(_ prefix: String, extension suffix: String = "") -> String {
        unusedURL(prefix, suffix).path
    }

    private static func unusedURL(_ prefix: String, _ suffix: String = "") -> URL {
        root.appendingPathComponent("\(prefix)-\(UUID().uuidString)\(suffix)")
    }
}
