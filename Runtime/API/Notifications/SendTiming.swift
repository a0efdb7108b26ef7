import Foundation
import NotifyModel

/// When a notification is sent: now, at an instant (`send_at`), or at a wall-clock time in each
/// recipient's own zone (`send_at_local`, see ``NotifyModel/LocalTimeRelease`` for the rules).
struct SendTiming: Sendable {
    var sendAt: Date?
    var sendAtLocal: LocalDateTime?

    /// Checks the two fields together: at most one, and a local time in `YYYY-MM-DDTHH:MM[:SS]` form.
    init(sendAt: Date?, sendAtLocal: String?) throws {
        if sendAt != nil && sendAtLocal != nil {
            throw APIError(
                .unprocessableContent, code: "conflicting_send_times",
                "give either \"send_at\" (an instant with an offset) or \"send_at_local\" (a wall-clock time in each recipient's zone), not both"
            )
        }
        self.sendAt = sendAt
        guard let sendAtLocal else { return }
        do {
            self.sendAtLocal = try LocalDateTime(parsing: sendAtLocal)
        } catch {
            throw APIError(.badRequest, code: "invalid_send_at_local", error.message)
        }
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
