import Foundation
import NotifyModel

/// The body of `POST /v1/schedules` (cron, timezone and notification required) and of
/// `PATCH /v1/schedules/{id}` (every field optional, no id).
struct ScheduleRequest: Decodable, Sendable {
    var id: String?
    var cron: String?
    var timezone: String?
    var notification: NotificationRequest?
    var missedPolicy: String?
    var paused: Bool?

    enum CodingKeys: String, CodingKey {
        case id, cron, timezone, notification, paused
        case missedPolicy = "missed_policy"
    }

    static let createFields: Set<String> = ["id", "cron", "timezone", "notification", "missed_policy", "paused"]
    static let patchFields: Set<String> = ["cron", "timezone", "notification", "missed_policy", "paused"]
    static let policies = ["run_once", "skip"]

    /// The id, as given or a new `sch_…`; checked against the stored form.
    func checkedID() throws -> String {
        guard let id else { return Self.newID() }
        guard id.wholeMatch(of: /[a-z0-9][a-z0-9_-]{1,62}/) != nil else {
            throw APIError(
                .badRequest, code: "invalid_schedule_id",
                "\"id\" must be 2 to 63 lowercase letters, digits, \"_\" or \"-\", starting with a letter or digit; omit it to get a generated one"
            )
        }
        return id
    }

    /// The cron expression, parsed; a bad one names the field at fault.
    static func checkedCron(_ text: String) throws -> CronExpression {
        do {
            return try CronExpression(text)
        } catch {
            throw APIError(.unprocessableContent, code: error.code.rawValue, error.message)
        }
    }

    /// The zone, parsed.
    static func checkedZone(_ name: String) throws -> ScheduleZone {
        do {
            return try ScheduleZone(parsing: name)
        } catch {
            throw APIError(.unprocessableContent, code: error.code, error.message)
        }
    }

    /// The missed-occurrence policy, checked.
    func checkedPolicy() throws -> String? {
        guard let missedPolicy else { return nil }
        guard Self.policies.contains(missedPolicy) else {
            throw APIError(
                .badRequest, code: "invalid_missed_policy",
                "\"missed_policy\" must be \"run_once\" (after an outage, send one notification for the missed occurrences) or \"skip\" (send none and wait for the next one)"
            )
        }
        return missedPolicy
    }

    /// The first release instant after `now`; a cron that never fires is refused.
    static func firstRelease(_ clock: ScheduleClock, after now: Date) throws -> Date {
        guard let first = clock.nextRelease(after: now) else {
            throw APIError(
                .unprocessableContent, code: CronError.Code.neverFires.rawValue,
                "\"\(clock.cron.text)\" never fires (no date in the next nine years matches); check the day-of-month and month fields"
            )
        }
        return first
    }

    /// `sch_` and 20 random lowercase letters and digits.
    static func newID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return "sch_" + String((0..<20).map { _ in alphabet.randomElement(using: &generator)! })
    }
}

extension NotificationRequest {
    /// The notification a schedule sends, as stored in `notify.schedules.notification`:
    /// `category`, `users` or `topic`, and the optional `template`, `data`, `channels`, `priority`.
    func scheduledJSON() throws -> String {
        try validateShape()
        if sendAt != nil || sendAtLocal != nil {
            throw APIError(
                .badRequest, code: "invalid_schedule_notification",
                "a schedule's notification has no \"send_at\" or \"send_at_local\": the cron decides when; remove them")
        }
        let recipients =
            try JSONSerialization.jsonObject(with: Data(try recipientsJSON().utf8)) as? [String: Any] ?? [:]
        var object: [String: Any] = recipients
        object["category"] = category
        if let template { object["template"] = template }
        if let channels { object["channels"] = channels }
        if let priority { object["priority"] = priority }
        let data = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(self.data ?? [:]))
        object["data"] = data
        let encoded = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: encoded, as: UTF8.self)
    }
}
