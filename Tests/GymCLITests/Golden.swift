import Foundation
import Testing

/// Golden files: the text a test expects, kept in the tree so a change to it shows in review.
/// `GYM_UPDATE_GOLDEN=1 swift test` rewrites them from what the code now produces; check the
/// diff before committing it.
enum Golden {
    static var updating: Bool { ProcessInfo.processInfo.environment["GYM_UPDATE_GOLDEN"] == "1" }

    /// Compares `actual` with the file at `path` (relative to the repository), or rewrites it.
    static func check(_ actual: String, against path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = projectRoot.appendingPathComponent(path)
        if updating {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try actual.write(to: url, atomically: false, encoding: .utf8)
            return
        }
        let expected = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        #expect(actual == expected, "\(path) differs from what the code produces (first difference at line \(firstDifferentLine(actual, expected))); if the change is meant, run GYM_UPDATE_GOLDEN=1 swift test and review the diff", sourceLocation: sourceLocation)
    }

    /// Replaces the lines between `<!-- begin NAME -->` and `<!-- end NAME -->` of a document,
    /// or checks that they already read `actual`.
    static func checkSection(_ name: String, of path: String, reads actual: String,
                             sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = projectRoot.appendingPathComponent(path)
        let document = try String(contentsOf: url, encoding: .utf8)
        let begin = "<!-- begin \(name) -->\n", end = "<!-- end \(name) -->"
        guard let start = document.range(of: begin), let stop = document.range(of: end, range: start.upperBound..<document.endIndex) else {
            Issue.record("\(path) has no section \(name)", sourceLocation: sourceLocation)
            return
        }
        let current = String(document[start.upperBound..<stop.lowerBound])
        if updating {
            try document.replacingCharacters(in: start.upperBound..<stop.lowerBound, with: actual)
                .write(to: url, atomically: false, encoding: .utf8)
            return
        }
        #expect(current == actual, "\(path), section \(name), differs from what the code produces (line \(firstDifferentLine(actual, current))); run GYM_UPDATE_GOLDEN=1 swift test and review the diff", sourceLocation: sourceLocation)
    }

    private static func firstDifferentLine(_ a: String, _ b: String) -> Int {
        let x = a.split(separator: "\n", omittingEmptySubsequences: false)
        let y = b.split(separator: "\n", omittingEmptySubsequences: false)
        return (0..<max(x.count, y.count)).first { $0 >= x.count || $0 >= y.count || x[$0] != y[$0] }.map { $0 + 1 } ?? 0
    }
}
