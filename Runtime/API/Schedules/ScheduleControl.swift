import Foundation
import Logging
import NotifyModel
import PostgresNIO

/// Operator actions on a tenant's recurring schedules, for `notify schedules`: list, pause and
/// resume, on the database directly, with the API's rules (a resume moves the next release to the
/// first occurrence after now: time spent paused is not "missed"). Every query names the tenant.
public struct ScheduleControl: Sendable {
    let client: PostgresClient
    let logger: Logger

    /// Creates the control for a database.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// One schedule as the CLI shows it.
    public struct Summary: Codable, Sendable {
        public var id: String
        public var cron: String
        public var timezone: String
        public var paused: Bool
        public var nextReleaseAt: Date?
        public var releasedCount: Int64
        public var lastError: String?

        enum CodingKeys: String, CodingKey {
            case id, cron, timezone, paused
            case nextReleaseAt = "next_release_at"
            case releasedCount = "released_count"
            case lastError = "last_error"
        }
    }

    /// The tenant's schedules, by id (at most 1,000).
    public func list(tenantID: String) async throws -> [Summary] {
        try await summaries(tenantID: tenantID, id: nil)
    }

    /// Pauses or resumes a schedule; nil when the tenant has no schedule `id`.
    ///
    /// - Throws: `cron_never_fires` when a resumed schedule has no occurrence left.
    public func setPaused(_ paused: Bool, tenantID: String, id: String) async throws -> Summary? {
        let found = try await client.withTransaction(logger: logger) { connection -> Bool in
            let current = try await connection.query(
                """
                SELECT cron, timezone, paused FROM notify.schedules
                WHERE tenant_id = \(tenantID) AND id = \(id) FOR UPDATE
                """, logger: logger
            ).collect().first?.decode((String, String, Bool).self)
            guard let (cron, zone, wasPaused) = current else { return false }
            var next: Date?
            if wasPaused && !paused {
                let clock = ScheduleClock(
                    cron: try ScheduleRequest.checkedCron(cron), zone: try ScheduleRequest.checkedZone(zone))
                next = try ScheduleRequest.firstRelease(clock, after: Date())
            }
            try await connection.query(
                """
                UPDATE notify.schedules
                SET paused = \(paused), next_run_at = coalesce(\(next), next_run_at), updated_at = now()
                WHERE tenant_id = \(tenantID) AND id = \(id)
                """, logger: logger)
            return true
        }
        guard found else { return nil }
        return try await summaries(tenantID: tenantID, id: id).first
    }

    private func summaries(tenantID: String, id: String?) async throws -> [Summary] {
        let rows = try await client.query(
            """
            SELECT id, cron, timezone, paused, next_run_at, released_count, last_error
            FROM notify.schedules
            WHERE tenant_id = \(tenantID) AND (\(id)::text IS NULL OR id = \(id))
            ORDER BY id LIMIT 1000
            """, logger: logger
        ).collect()
        return try rows.map { row in
            let (id, cron, timezone, paused, next, released, error) = try row.decode(
                (String, String, String, Bool, Date?, Int64, String?).self)
            return Summary(
                id: id, cron: cron, timezone: timezone, paused: paused, nextReleaseAt: next,
                releasedCount: released, lastError: error)
        }
    }
}
