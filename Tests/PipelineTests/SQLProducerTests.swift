import Foundation
import NotifyTestSupport
import PostgresNIO
import Synchronization
import Testing

/// Counts the wake-ups a listener heard.
final class RingCount: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

/// `notify.send`, the SQL producer: what it writes for each call, and what it refuses.
@Suite(.serialized) struct SQLProducerTests {
    @Test func aCallWritesTheNotificationItsAcceptedEventAndOneValidateJob() async throws {
        try await Engine.with { engine in
            _ = try await engine.tenant()
            // Read inside the sending transaction: committed, the job is the workers' to claim and
            // delete at once.
            let runtime = engine.runtime
            let (job, events) = try await runtime.client.withTransaction(logger: runtime.logger) { connection in
                let id = try await connection.query(
                    "SELECT notify.send('acme', 'welcome', ARRAY['ada'], '{\"name\":\"Ada\"}'::jsonb, p_priority => 'bulk')::text",
                    logger: runtime.logger
                ).collect()[0].decode(String.self)
                let job = try await connection.query(
                    """
                    SELECT j.lane::int, j.tenant_id, j.max_attempts, f.max_attempts, j.run_at <= now()
                    FROM notify.jobs j JOIN notify.functions f ON f.name = j.queue
                    WHERE j.queue = 'validate' AND j.payload::jsonb = jsonb_build_object('tenant_id', 'acme', 'notification_id', \(id)::uuid)
                    """, logger: runtime.logger
                ).collect().map { try $0.decode((Int, String, Int, Int, Bool).self) }
                let events = try await connection.query(
                    "SELECT kind, detail::text FROM notify.events WHERE notification_id = \(id)::uuid",
                    logger: runtime.logger
                ).collect().map { try $0.decode((String, String).self) }
                return (job, events)
            }
            #expect(job.count == 1)
            #expect(job.first?.0 == 2, "p_priority bulk puts the first job in the bulk lane")
            #expect(job.first?.1 == "acme")
            #expect(job.first?.2 == job.first?.3, "the job takes validate's attempts")
            #expect(job.first?.4 == true)
            #expect(events.map(\.0) == ["accepted"])
            #expect(events.first?.1.contains(#""via": "sql""#) == true)
        }
    }

    @Test func aReplayedIdempotencyKeyReturnsTheFirstNotificationAndWritesNothingMore() async throws {
        try await Engine.with { engine in
            _ = try await engine.tenant()
            let sql = """
                SELECT notify.send('acme', 'welcome', ARRAY['ada'], '{"name":"Ada"}'::jsonb,
                                   p_send_at => now() + interval '2 hours', p_idempotency_key => 'order-7')::text
                """
            let first = try await engine.runtime.rows(PostgresQuery(unsafeSQL: sql))[0].decode(String.self)
            let second = try await engine.runtime.rows(PostgresQuery(unsafeSQL: sql))[0].decode(String.self)
            #expect(first == second)
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.notifications") == 1)
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.events") == 1)
            // Two hours ahead: the job waits among the scheduled ones, not in the queue.
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.scheduled_jobs") == 1)
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.jobs") == 0)
            #expect(
                try await engine.runtime.count(
                    "SELECT count(*)::int FROM notify.notifications WHERE status = 'scheduled'") == 1)
        }
    }

    @Test func transactionalSendsRingOncePerBucketAndACriticalSendAlwaysRings() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try await engine.criticalCategory(acme)
            let rings = RingCount()
            let runtime = engine.runtime
            func heard(_ atLeast: Int) async throws {
                let deadline = ContinuousClock.now + .seconds(10)
                while rings.value < atLeast && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            try await runtime.client.withConnection { listener in
                try await listener.listen(on: "notify_jobs") { notifications in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for try await notification in notifications where notification.payload == "validate" {
                                rings.add()
                            }
                        }
                        let mark = try await runtime.client.withTransaction(logger: runtime.logger) { connection in
                            for n in 1...20 {
                                _ = try await connection.query(
                                    "SELECT notify.send('acme', 'welcome', ARRAY['ada'], jsonb_build_object('n', \(n)))",
                                    logger: runtime.logger
                                ).collect()
                            }
                            return try await connection.query(
                                "SELECT current_setting('notify.wake_checked', true)", logger: runtime.logger
                            ).collect().first?.decode(String?.self)
                        }
                        #expect(
                            mark?.hasPrefix("validate@") == true,
                            "asked whether a wake-up is due: \(String(describing: mark))")
                        try await heard(1)
                        try await Task.sleep(for: .milliseconds(200))
                        let afterTransactional = rings.value
                        #expect(afterTransactional == 1, "twenty sends in one transaction rang once")
                        let criticalMark = try await runtime.client.withTransaction(logger: runtime.logger) {
                            connection in
                            _ = try await connection.query(
                                "SELECT notify.send('acme', 'otp', ARRAY['ada'], '{}'::jsonb)", logger: runtime.logger
                            ).collect()
                            return try await connection.query(
                                "SELECT coalesce(current_setting('notify.wake_checked', true), '')",
                                logger: runtime.logger
                            ).collect().first?.decode(String.self)
                        }
                        #expect(criticalMark == "", "a critical send rings without asking")
                        try await heard(afterTransactional + 1)
                        #expect(rings.value == afterTransactional + 1)
                        group.cancelAll()
                    }
                }
            }
            #expect(try await runtime.count("SELECT count(*)::int FROM notify.notifications") == 21)
        }
    }

    @Test(arguments: [
        ("SELECT notify.send('acme', 'welcome')", "name the recipients with exactly one of p_users or p_topic"),
        (
            "SELECT notify.send('acme', 'welcome', ARRAY['ada'], p_topic => 'fans')",
            "name the recipients with exactly one of p_users or p_topic"
        ),
        ("SELECT notify.send('acme', 'welcome', ARRAY['ada'], '[1]'::jsonb)", "p_data must be a JSON object"),
        ("SELECT notify.send('acme', 'welcome', ARRAY['ada'], p_priority => 'urgent')", #"unknown priority "urgent""#),
    ])
    func badArgumentsAreRefusedWithWhatToFix(_ sql: String, _ message: String) async throws {
        try await Engine.with { engine in
            _ = try await engine.tenant()
            do {
                _ = try await engine.runtime.rows(PostgresQuery(unsafeSQL: sql))
                Issue.record("notify.send accepted: \(sql)")
            } catch let error as PSQLError {
                #expect(error.serverInfo?[.message] == message)
                #expect(error.serverInfo?[.sqlState] == "22023")
            }
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.notifications") == 0)
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.jobs") == 0)
        }
    }
}
