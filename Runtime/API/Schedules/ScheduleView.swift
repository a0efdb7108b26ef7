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
            SELECT id, cron, timezone, notification::text, missed_policy, paused, next_run_at, last_occurrence,
                   released_count, created_at, updated_at, last_error
            FROM notify.schedules
            WHERE tenant_id = \(tenantID) AND (\(id)::text IS NULL OR id = \(id))
            ORDER BY id LIMIT 1000
            """)
        return try rows.map { row in
            let (id, cron, timezone, notification, policy, paused, nextRunAt, last, released, created, updated, error) =
                try row.decode(
                    (String, String, String, String, String, Bool, Date?, String?, Int64, Date, Date, String?).self)
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
