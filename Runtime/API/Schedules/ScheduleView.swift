import Foundation
import NotifyModel
import PostgresNIO

/// A schedule as the API shows it, with its next occurrences.
enum ScheduleView {
    /// How many upcoming occurrences `GET` shows.
    static let upcomingCount = 5

    /// The tenant's schedules (one when `id` is given), ordered by id.
    static func load(
        _ dependencies: APIDependencies, tenantID: String, id: String?, now: Date = Date()
    ) async throws
        -> [[String: Any]]
    {
        let rows = try await dependencies.rows(
            """
            SELECT s.id, s.cron, s.timezone, s.notification::text, s.missed_policy, s.paused, s.next_run_at,
                   s.last_occurrence, s.released_count, s.created_at, s.updated_at, s.last_error,
                   n.id, n.status, n.refusal::text
            FROM notify.schedules s
            LEFT JOIN notify.notifications n ON n.id = s.last_notification_id AND n.tenant_id = s.tenant_id
            WHERE s.tenant_id = \(tenantID) AND (\(id)::text IS NULL OR s.id = \(id))
            ORDER BY s.id LIMIT 1000
            """)
        return try rows.map { row in
            let (
                id, cron, timezone, notification, policy, paused, nextRunAt, last, released, created, updated, error,
                lastID, lastStatus, lastRefusal
            ) = try row.decode(
                (
                    String, String, String, String, String, Bool, Date?, String?, Int64, Date, Date, String?, UUID?,
                    String?, String?
                ).self)
            var stored = try JSONSerialization.jsonObject(with: Data(notification.utf8)) as? [String: Any] ?? [:]
            var to: [String: Any] = [:]
            if let users = stored.removeValue(forKey: "users") { to["users"] = users }
            if let topic = stored.removeValue(forKey: "topic") { to["topic"] = topic }
            stored["to"] = to
            var view: [String: Any] = [
                "id": id, "cron": cron, "timezone": timezone, "notification": stored, "missed_policy": policy,
                "paused": paused, "released_count": Int(released), "created_at": ISO8601.format(created),
                "updated_at": ISO8601.format(updated),
            ]
            if let last { view["last_occurrence"] = last }
            if let error { view["last_error"] = error }
            if let lastID, let lastStatus {
                // The latest occurrence's notification, so a schedule whose sends the pipeline refuses
                // shows it here (it goes on releasing; only a failing notify.send pauses it).
                var latest: [String: Any] = ["id": lastID.uuidString.lowercased(), "status": lastStatus]
                if let lastRefusal, let parsed = try? JSONSerialization.jsonObject(with: Data(lastRefusal.utf8)) {
                    latest["refusal"] = parsed
                }
                view["last_notification"] = latest
            }
            if let nextRunAt { view["next_release_at"] = ISO8601.format(nextRunAt) }
            if !paused, let nextRunAt,
                let clock = try? ScheduleClock(cron: CronExpression(cron), zone: ScheduleZone(parsing: timezone))
            {
                // The stored next release, then the ones after it.
                let upcoming =
                    [(nextRunAt, clock.key(released: nextRunAt))]
                    + clock.upcoming(after: nextRunAt, count: upcomingCount - 1)
                view["next_occurrences"] = upcoming.map(\.1)
            }
            return view
        }
    }
}
