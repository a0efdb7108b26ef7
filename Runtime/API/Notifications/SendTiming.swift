import Foundation
import NotifyModel

/// When a notification is sent: now, at an instant (`send_at`), or at a wall-clock time in each
/// recipient's own zone (`send_at_local`, see ``NotifyModel/LocalTimeRelease`` for the rules).
struct SendTiming: Sendable {
    var sendAt: Date?
    var sendAtLocal: LocalDateTime?

    /// Checks the two fields together: at most one, a local time in `YYYY-MM-DDTHH:MM[:SS]` form,
    /// and either within ``SendTimeWindow`` around `now` (`invalid_send_at`, `invalid_send_at_local`).
    init(sendAt: Date?, sendAtLocal: String?, now: Date = Date()) throws {
        if sendAt != nil && sendAtLocal != nil {
            throw APIError(
                .unprocessableContent, code: "conflicting_send_times",
                "give either \"send_at\" (an instant with an offset) or \"send_at_local\" (a wall-clock time in each recipient's zone), not both"
            )
        }
        let window = SendTimeWindow(now: now)
        if let sendAt, !window.contains(sendAt) {
            throw APIError(
                .badRequest, code: "invalid_send_at",
                "\"send_at\" \(ISO8601.format(sendAt)) is outside the accepted range: \(window.range(suffix: "Z"))")
        }
        self.sendAt = sendAt
        guard let sendAtLocal else { return }
        let local: LocalDateTime
        do {
            local = try LocalDateTime(parsing: sendAtLocal)
        } catch {
            throw APIError(.badRequest, code: "invalid_send_at_local", error.message)
        }
        guard window.contains(local) else {
            throw APIError(
                .badRequest, code: "invalid_send_at_local",
                "\"send_at_local\" \(local) is outside the accepted range: \(window.range()), as a wall-clock time with no offset"
            )
        }
        self.sendAtLocal = local
    }

    /// When `validate` runs: the instant, or for a local time the moment the first zone on Earth
    /// (UTC+14) reaches it; nil means now.
    var validateRunAt: Date? {
        if let sendAtLocal { return LocalTimeRelease.earliestInstant(of: sendAtLocal) }
        return sendAt
    }

    /// True when the notification waits (`scheduled`) rather than being expanded at once.
    func isScheduled(now: Date) -> Bool { sendAtLocal != nil || (sendAt ?? .distantPast) > now }

    /// The local time as stored (`YYYY-MM-DDTHH:MM:SS`), or nil.
    var localText: String? { sendAtLocal?.description }
}
