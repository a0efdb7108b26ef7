import Foundation
import NIOHTTP1

/// Reads how long a provider asked us to wait.
public enum RetryAfter {
    /// `Retry-After` as delta-seconds or an HTTP date, relative to `now`; nil if absent or
    /// unreadable. A date in the past gives zero.
    public static func parse(_ value: String?, now: Date) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int64(value) { return .seconds(max(0, seconds)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: value) {
                return .seconds(max(0, Int64(date.timeIntervalSince(now).rounded(.up))))
            }
        }
        return nil
    }

    /// `Retry-After` from response headers.
    public static func from(_ headers: HTTPHeaders, now: Date) -> Duration? {
        parse(headers.first(name: "retry-after"), now: now)
    }

    /// A unix-seconds reset time (SendGrid's `X-RateLimit-Reset`) as a wait from `now`.
    public static func untilUnixTime(_ value: String?, now: Date) -> Duration? {
        guard let value, let reset = Double(value.trimmingCharacters(in: .whitespaces)) else { return nil }
        return .seconds(max(0, Int64((reset - now.timeIntervalSince1970).rounded(.up))))
    }
}
