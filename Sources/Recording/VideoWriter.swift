import Foundation

/// Video recordings (.mp4, .gif) through `ffmpeg`, run as a subprocess: every state's picture
/// goes to a temporary folder as an SVG file, and ffmpeg rasterizes them with librsvg (a
/// well-kept rasterizer, so gym draws no pixels by hand) and encodes them. The video is written
/// beside its target and renamed over it only when ffmpeg succeeded: no partial file.
public enum VideoWriter {
    public enum Format: String, Sendable { case mp4, gif }

    /// Frames per second of recordings: one state per frame.
    public static let framesPerSecond = 30

    public static func write(_ recording: Recording, to path: String, format: Format) throws {
        guard let ffmpeg = executable("ffmpeg") else {
            throw RecordingError("recording .\(format.rawValue) needs ffmpeg, which is not installed (Debian package `ffmpeg`: apt-get install ffmpeg); .html and .svg need nothing")
        }
        let fileManager = FileManager.default
        let frames = fileManager.temporaryDirectory.appendingPathComponent("gym-frames-\(getpid())-\(UUID().uuidString)")
        try fileManager.createDirectory(at: frames, withIntermediateDirectories: true)
        defer { try? fileManager.removeItem(at: frames) }
        var count = 0
        for episode in recording.episodes {
            for index in episode.steps.indices {
                let picture = episode.steps[index].frame ?? TraceView.frame(episode, upTo: index)
                let svg = FrameSVG.document(picture)
                let file = frames.appendingPathComponent(String(format: "f%07d.svg", count)).path
                guard fileManager.createFile(atPath: file, contents: Data(svg.utf8)) else {
                    throw RecordingError("\(file): cannot write a frame for the video (is the temporary folder full?)")
                }
                count += 1
            }
        }
        let target = URL(fileURLWithPath: path)
        let temporary = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.deletingPathExtension().lastPathComponent).\(getpid()).tmp.\(format.rawValue)").path
        defer { unlink(temporary) }
        var arguments = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-framerate", "\(framesPerSecond)",
                         "-i", frames.appendingPathComponent("f%07d.svg").path]
        switch format {
        case .mp4: arguments += ["-pix_fmt", "yuv420p", "-movflags", "+faststart"]
        case .gif: arguments += ["-vf", "split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse"]
        }
        arguments.append(temporary)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ffmpeg)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let last = said.split(separator: "\n").suffix(3).joined(separator: "; ")
            throw RecordingError("\(path): ffmpeg could not make the video (exit \(process.terminationStatus)): \(last)")
        }
        guard rename(temporary, path) == 0 else {
            throw RecordingError("\(path): cannot move the finished video into place: \(String(cString: strerror(errno)))")
        }
    }

    /// `name` on the PATH.
    static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
