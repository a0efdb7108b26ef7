import NotifyTestSupport
import PostgresNIO
import Testing

@testable import NotifyRuntime

/// The leader's maintenance runs every tick, so it must not read the whole queue: with a large
/// ready backlog it finds expired leases through `jobs_leased`, and old dead jobs through
/// `dead_jobs_by_age`, and still does what it did.
@Suite("The leader's maintenance reads indexes, not the whole queue", .timeLimit(.minutes(2)))
struct MaintenanceIndexTests {
    let logger = TestCluster.logger

    @Test("expired leases are found through jobs_leased behind 20,000 ready jobs, and only they are revived")
    func expiredLeasesThroughTheLeaseIndex() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            for statement in [
                "INSERT INTO notify.jobs (queue, payload) SELECT 'probe', '{}' FROM generate_series(1, 20000)",
                """
                INSERT INTO notify.jobs (queue, payload, state, attempt, locked_by, locked_until)
                SELECT 'probe', jsonb_build_object('expired', g), 'running', 1, 'gone',
                       now() - make_interval(secs => g)
                FROM generate_series(1, 3) g
                """,
                """
                INSERT INTO notify.jobs (queue, payload, state, attempt, locked_by, locked_until)
                SELECT 'probe', jsonb_build_object('alive', g), 'running', 1, 'here', now() + interval '1 minute'
                FROM generate_series(1, 2) g
                """,
                "ANALYZE notify.jobs",
            ] {
                try await client.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }

            let plan = try await QueryPlan.of(
                MaintenanceRunner.rescueStatement(limit: 100, holder: "leader"), on: client)
            #expect(plan.indexes.contains("jobs_leased"))
            #expect(!plan.sequentialScans.contains("jobs"))

            let report = try await client.withConnection { connection in
                try await MaintenanceRunner(logger: logger).run(
                    [.rescueExpiredLeases(limit: 100)], on: connection, holder: "leader")
            }
            #expect(report.rescued == 3)
            let states = try await client.query(
                """
                SELECT count(*) FILTER (WHERE payload ? 'expired' AND state = 'ready')::int,
                       count(*) FILTER (WHERE payload ? 'alive' AND state = 'running')::int,
                       count(*) FILTER (WHERE state = 'running')::int
                FROM notify.jobs
                """, logger: logger
            ).collect()
            let (revived, stillRunning, running) = try states[0].decode((Int, Int, Int).self)
            #expect(revived == 3)
            #expect(stillRunning == 2)
            #expect(running == 2)
        }
    }

    @Test("dead jobs past their retention are found through dead_jobs_by_age, and only they are pruned")
    func oldDeadJobsThroughTheAgeIndex() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            for statement in [
                """
                INSERT INTO notify.dead_jobs (id, queue, lane, payload, tenant_id, attempts, max_attempts, errors,
                                              created_at, died_at)
                SELECT g, 'probe', 1, '{}', NULL, 5, 5, '[]', now() - interval '40 days',
                       CASE WHEN g <= 3 THEN now() - interval '31 days' ELSE now() - interval '1 day' END
                FROM generate_series(1, 20000) g
                """,
                "ANALYZE notify.dead_jobs",
            ] {
                try await client.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            let retention = 30 * 86_400

            let plan = try await QueryPlan.of(
                MaintenanceRunner.pruneStatement(olderThanSeconds: retention, limit: 10_000), on: client)
            #expect(plan.indexes.contains("dead_jobs_by_age"))
            #expect(!plan.sequentialScans.contains("dead_jobs"))

            let report = try await client.withConnection { connection in
                try await MaintenanceRunner(logger: logger).run(
                    [.pruneDeadJobs(olderThanSeconds: retention, limit: 10_000)], on: connection, holder: "leader")
            }
            #expect(report.pruned == 3)
            let left = try await client.query(
                "SELECT count(*)::int, min(id)::int FROM notify.dead_jobs", logger: logger
            )
            .collect()
            let (count, first) = try left[0].decode((Int, Int).self)
            #expect(count == 19_997)
            #expect(first == 4)
        }
    }
}
