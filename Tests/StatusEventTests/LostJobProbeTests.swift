import NotifyTestSupport
import PostgresNIO
import Testing

@testable import ScheduleTickFunction

/// The tick's check that an event subscription in flight for over a minute still has its job: it
/// runs every tick while a subscription waits, which is when the queue is long, so it must read
/// indexes rather than the whole queue, and it must still find the job wherever it is.
@Suite("The status-event dispatch's lost-job probe", .timeLimit(.minutes(2)))
struct LostJobProbeTests {
    let logger = TestCluster.logger

    @Test(
        "finds a subscription's job among ready, running and scheduled jobs through indexes, behind 20,000 other jobs")
    func probeReadsIndexesAndFindsEveryJob() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            let job = { (id: String) in "jsonb_build_object('tenant_id', 'acme', 'subscription_id', '\(id)')" }
            for statement in [
                "INSERT INTO notify.tenants (id, name, inbox_secret) VALUES ('acme', 'Acme', '\\x00')",
                """
                INSERT INTO notify.event_subscriptions (tenant_id, id, url, secret_cipher, in_flight, updated_at)
                SELECT 'acme', id, 'https://hooks.example/notify', '\\x00', true, now() - interval '5 minutes'
                FROM unnest(ARRAY['ready-one', 'running-one', 'scheduled-one', 'lost-one']) AS id
                """,
                // The backlog the probe must not read: ready, running and scheduled jobs of other queues.
                "INSERT INTO notify.jobs (queue, payload) SELECT 'preference-filter', '{}' FROM generate_series(1, 20000)",
                """
                INSERT INTO notify.jobs (queue, payload, state, locked_by, locked_until)
                SELECT 'send-sms', '{}', 'running', 'elsewhere', now() + interval '1 minute' FROM generate_series(1, 500)
                """,
                """
                INSERT INTO notify.scheduled_jobs (id, queue, payload, run_at)
                SELECT 1000000 + g, 'send-sms', '{}', now() + interval '1 day' FROM generate_series(1, 20000) g
                """,
                "INSERT INTO notify.jobs (queue, payload) VALUES ('deliver-status-events', \(job("ready-one")))",
                """
                INSERT INTO notify.jobs (queue, payload, state, locked_by, locked_until)
                VALUES ('deliver-status-events', \(job("running-one")), 'running', 'elsewhere', now() + interval '1 minute')
                """,
                """
                INSERT INTO notify.scheduled_jobs (id, queue, payload, run_at)
                VALUES (2000000, 'deliver-status-events', \(job("scheduled-one")), now() + interval '1 hour')
                """,
                "ANALYZE notify.jobs",
                "ANALYZE notify.scheduled_jobs",
                "ANALYZE notify.event_subscriptions",
            ] {
                try await client.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }

            let plan = try await QueryPlan.of(StatusEventDispatch.statement, on: client)
            #expect(plan.indexes.isSuperset(of: ["jobs_claimable", "jobs_leased", "scheduled_jobs_status_events"]))
            #expect(plan.sequentialScans.isDisjoint(with: ["jobs", "scheduled_jobs"]))

            try await client.query(StatusEventDispatch.statement, logger: logger)
            let rows = try await client.query(
                "SELECT id, in_flight, coalesce(last_error, '') FROM notify.event_subscriptions ORDER BY id",
                logger: logger
            ).collect()
            var states: [String: Bool] = [:]
            for row in rows {
                let (id, inFlight, error) = try row.decode((String, Bool, String).self)
                states[id] = inFlight
                #expect(error.hasPrefix("job_lost") == (id == "lost-one"), "\(id): \(error)")
            }
            #expect(states == ["ready-one": true, "running-one": true, "scheduled-one": true, "lost-one": false])
        }
    }
}
