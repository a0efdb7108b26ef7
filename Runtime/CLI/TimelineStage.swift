import Logging
import PostgresNIO

/// Where a benchmark's latency comes from: for a set of notifications, milliseconds from each
/// one's `accepted` event to its first event of every later kind (`expanded`, `sent`,
/// `delivered`, …), by the database's clock (`clock_timestamp()` when each event was written).
struct TimelineStage: Codable, Sendable, Equatable {
    var p50: Double
    var p99: Double
    var samples: Int

    /// The stages of the notifications that `condition` (a predicate over `notify.notifications n`,
    /// written by the benchmark itself, never from input) selects, by event kind.
    static func measure(
        notificationsWhere condition: String, client: PostgresClient, logger: Logger
    ) async throws -> [String: TimelineStage] {
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL: """
                    WITH firsts AS (
                        SELECT n.id, k.kind, extract(epoch from min(k.at) - min(a.at)) * 1000 AS ms
                        FROM notify.notifications n
                        JOIN notify.events a ON a.notification_id = n.id AND a.kind = 'accepted'
                        JOIN notify.events k ON k.notification_id = n.id AND k.kind <> 'accepted'
                        WHERE \(condition)
                        GROUP BY n.id, k.kind
                    )
                    SELECT kind, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::float8,
                           percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::float8, count(*)
                    FROM firsts GROUP BY kind
                    """), logger: logger
        ).collect()
        var stages: [String: TimelineStage] = [:]
        for row in rows {
            let (kind, p50, p99, samples) = try row.decode((String, Double, Double, Int64).self)
            stages[kind] = TimelineStage(
                p50: (p50 * 10).rounded() / 10, p99: (p99 * 10).rounded() / 10, samples: Int(samples))
        }
        return stages
    }
}
