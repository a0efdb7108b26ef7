import Foundation

/// A schedule's cron expression read in its zone: when each occurrence is released, and the
/// stable key that names it.
///
/// The leader releases an occurrence at its **release instant** (`notify.schedules.next_run_at`):
/// - in a fixed zone, the occurrence's instant (DST rules of ``CronExpression/next(after:in:)``);
/// - for `recipient`, the occurrence is a wall-clock time on a zone-less clock, released as a
///   local-time send when the first zone on Earth reaches it (that wall time read at UTC+14);
///   each recipient then gets it at that time in their own zone.
///
/// The key is the occurrence's UTC instant (`2026-12-02T08:00:00Z`) or, for `recipient`, its wall
/// time (`2026-12-02T09:00:00`); the notification's idempotency key is `schedule:<id>:<key>`.
public struct ScheduleClock: Sendable {
    /// The expression.
    public let cron: CronExpression
    /// The zone.
    public let zone: ScheduleZone

    /// Creates a clock.
    public init(cron: CronExpression, zone: ScheduleZone) {
        self.cron = cron
        self.zone = zone
    }

    static let lead = TimeInterval(LocalTimeRelease.earliestOffsetSeconds)

    /// The first release instant strictly after `instant`, or nil when the expression never fires.
    public func nextRelease(after instant: Date) -> Date? {
        switch zone {
        case .zone(let timeZone, _):
            return cron.next(after: instant, in: timeZone)
        case .recipient:
            let wall = LocalDateTime(utc: instant.addingTimeInterval(Self.lead))
            return cron.next(after: wall).map { $0.asUTC.addingTimeInterval(-Self.lead) }
        }
    }

    /// The wall-clock time of a recipient-zone occurrence released at `release`, else nil.
    public func localTime(released release: Date) -> LocalDateTime? {
        guard case .recipient = zone else { return nil }
        return LocalDateTime(utc: release.addingTimeInterval(Self.lead))
    }

    /// The key of the occurrence released at `release`.
    public func key(released release: Date) -> String {
        if let local = localTime(released: release) { return local.description }
        return LocalDateTime(utc: release).description + "Z"
    }

    /// The next `count` occurrence keys after `instant`, for display.
    public func upcoming(after instant: Date, count: Int) -> [(release: Date, key: String)] {
        var result: [(Date, String)] = []
        var cursor = instant
        while result.count < count, let next = nextRelease(after: cursor) {
            result.append((next, key(released: next)))
            cursor = next
        }
        return result
    }
}
