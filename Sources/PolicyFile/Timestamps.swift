import Foundation

/// Times as text through the C library. Foundation's formatters load ICU's calendar and
/// time-zone data first (its ISO 8601 format style looks the time zone up there too): 0.7-3 ms
/// and dozens of page faults at every start of `gym train`, for run.json, the run folder's name
/// and the first checkpoint.
public enum Timestamps {
    /// ISO 8601 in UTC to the second, "2026-12-07T13:35:15Z": what `Date.formatted(.iso8601)`
    /// gives (policy files' creation time, run.json).
    public static func iso8601UTC(_ date: Date) -> String {
        let t = parts(date, local: false)
        return padded(t.tm_year + 1900, 4) + "-" + padded(t.tm_mon + 1, 2) + "-" + padded(t.tm_mday, 2) + "T"
            + padded(t.tm_hour, 2) + ":" + padded(t.tm_min, 2) + ":" + padded(t.tm_sec, 2) + "Z"
    }

    /// Local time as yyyyMMdd-HHmmss (run folders' names).
    public static func compactLocal(_ date: Date) -> String {
        let t = parts(date, local: true)
        return padded(t.tm_year + 1900, 4) + padded(t.tm_mon + 1, 2) + padded(t.tm_mday, 2) + "-"
            + padded(t.tm_hour, 2) + padded(t.tm_min, 2) + padded(t.tm_sec, 2)
    }

    private static func parts(_ date: Date, local: Bool) -> tm {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        if local { localtime_r(&seconds, &parts) } else { gmtime_r(&seconds, &parts) }
        return parts
    }

    private static func padded(_ value: Int32, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
