import Foundation

/// A moment as ISO 8601 in UTC to the second ("2026-12-07T13:35:15Z"), what
/// `Date.formatted(.iso8601)` gives, through the C library: the format style looks the time
/// zone up in ICU's data first, 0.7-3 ms at every start of `gym train` (run.json, the first
/// checkpoint).
public enum UTCTimestamp {
    public static func iso8601(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func padded(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return padded(parts.tm_year + 1900, 4) + "-" + padded(parts.tm_mon + 1, 2) + "-" + padded(parts.tm_mday, 2) + "T"
            + padded(parts.tm_hour, 2) + ":" + padded(parts.tm_min, 2) + ":" + padded(parts.tm_sec, 2) + "Z"
    }
}
