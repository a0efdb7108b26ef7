import Foundation
import NotifyModel

/// The send times a request may name: from 3,653 days before today to 3,653 days after it (ten
/// years back, ten years ahead), whole UTC days. `send_at` is compared as an instant; `send_at_local` is
/// a wall-clock time and is compared as the same wall time read in UTC, so both fields take the
/// same dates.
///
/// A time much further back is a mistake rather than "at once" (`0001-01-01T00:00` was accepted and
/// released at a year-1 instant), and one further ahead would never be sent. The SQL producers
/// (`notify.send`, `notify.send_many`) are meant to apply the same window.
struct SendTimeWindow: Sendable {
    /// How many days before today a send time may be.
    static let daysBack = 3653
    /// How many days after today a send time may be.
    static let daysAhead = 3653

    /// The earliest wall time accepted: 00:00:00 of the first day.
    let earliest: LocalDateTime
    /// The latest wall time accepted: 23:59:59 of the last day.
    let latest: LocalDateTime

    /// The window around `now`'s UTC day.
    init(now: Date = Date()) {
        let today = LocalDateTime(utc: now).day.number
        earliest = LocalDateTime(day: CivilDay(number: today - Self.daysBack), secondsIntoDay: 0)
        latest = LocalDateTime(day: CivilDay(number: today + Self.daysAhead), secondsIntoDay: 86_399)
    }

    /// Whether the window holds the wall time `local`.
    func contains(_ local: LocalDateTime) -> Bool { earliest <= local && local <= latest }

    /// Whether the window holds the instant `instant`.
    func contains(_ instant: Date) -> Bool { earliest.asUTC <= instant && instant <= latest.asUTC }

    /// `from 2025-12-06T00:00:00 to 2036-12-07T23:59:59` (with `suffix` after each, such as `Z`).
    func range(suffix: String = "") -> String {
        "from \(earliest)\(suffix) to \(latest)\(suffix) (ten years back to ten years ahead)"
    }
}
