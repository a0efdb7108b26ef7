import Foundation
import NotifyFunctionKit
import NotifyRuntime
import NotifyTestSupport
import PostgresNIO
import Testing

/// The SQL producer's wake-ups: at most one per function per 20 ms (critical jobs always), and
/// jobs whose wake-up was skipped are still run.
@Suite(.timeLimit(.minutes(2))) struct SQLWakeupTests {
    @Test func aWakeUpIsDueOncePerFunctionPer20Milliseconds() async throws {
        try await TestRuntime.with(catalog: catalog()) { runtime in
            let rows = try await runtime.rows(
                """
                WITH b AS (SELECT date_trunc('second', now()) + interval '1 hour' AS t)
                SELECT notify.wake_due('recording', t), notify.wake_due('recording', t + interval '5 milliseconds'),
                       notify.wake_due('recording', t + interval '25 milliseconds'),
                       notify.wake_due('probe', t + interval '5 milliseconds'), notify.wake_due('no-such-function', t)
                FROM b
                """)
            let due = try rows.first?.decode((Bool, Bool, Bool, Bool, Bool).self)
            #expect(due?.0 == true, "the first in its bucket")
            #expect(due?.1 == false, "the same bucket")
            #expect(due?.2 == true, "the next bucket")
            #expect(due?.3 == true, "another function")
            #expect(due?.4 == true, "a function without a sequence always rings")
        }
    }

    @Test func aTransactionAsksOncePerBucketAndStillRings() async throws {
        try await TestRuntime.with(catalog: catalog()) { runtime in
            let heard = StartLog()
            try await runtime.client.withConnection { listener in
                try await listener.listen(on: "notify_jobs") { notifications in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for try await notification in notifications { heard.record(notification.payload) }
                        }
                        let marks = try await runtime.client.withTransaction(logger: runtime.logger) { connection in
                            var marks: [String?] = []
                            for key in 1...20 {
                                _ = try await connection.query(
                                    "SELECT notify.enqueue('recording', jsonb_build_object('key', \("k\(key)")::text), 'bulk')",
                                    logger: runtime.logger
                                ).collect()
                                let row = try await connection.query(
                                    "SELECT current_setting('notify.wake_checked', true)", logger: runtime.logger
                                ).collect()
                                marks.append(try row.first?.decode(String?.self))
                            }
                            return marks
                        }
                        #expect(marks.allSatisfy { $0?.hasPrefix("recording@") == true }, "\(marks)")
                        let deadline = ContinuousClock.now + .seconds(10)
                        while heard.total() < 1 && ContinuousClock.now < deadline {
                            try await Task.sleep(for: .milliseconds(20))
                        }
                        try await Task.sleep(for: .milliseconds(200))
                        group.cancelAll()
                    }
                }
            }
            #expect(heard.count("recording") == 1, "the transaction rang once, at its commit")
            let after = try await runtime.rows("SELECT coalesce(current_setting('notify.wake_checked', true), '')")
            #expect(try after.first?.decode(String.self) == "", "the mark lives only as long as its transaction")
            #expect(try await runtime.count("SELECT count(*)::int FROM notify.jobs WHERE queue = 'recording'") == 20)
        }
    }

    @Test func aRoleThatCannotCreateInTheSchemaPublishesAndEnqueuesWithThrottledWakeUps() async throws {
        try await TestRuntime.with(catalog: catalog()) { runtime in
            let role = "notify_app_\(UInt32.random(in: 0...UInt32.max))"
            try await runtime.client.withConnection { connection in
                for statement in [
                    "CREATE ROLE \(role) NOLOGIN",
                    "GRANT USAGE ON SCHEMA notify TO \(role)",
                    "GRANT SELECT, INSERT, UPDATE ON notify.functions TO \(role)",
                    "GRANT SELECT, INSERT ON notify.jobs TO \(role)",
                    "SET ROLE \(role)",
                    "INSERT INTO notify.functions (name) VALUES ('reports-export')",
                    "SELECT notify.enqueue('reports-export', '{}', 'bulk')",
                    "SELECT notify.enqueue('reports-export', '{}', 'bulk')",
                    "RESET ROLE",
                ] {
                    do {
                        _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: runtime.logger)
                            .collect()
                    } catch {
                        Issue.record("\(statement): \(String(reflecting: error))")
                        throw error
                    }
                }
            }
            let marked = try await runtime.rows(
                """
                SELECT to_regclass('notify."wake_reports-export"') IS NOT NULL,
                       coalesce(pg_sequence_last_value('notify."wake_reports-export"'), 0) > 0
                """
            ).first?.decode((Bool, Bool).self)
            #expect(marked?.0 == true, "publishing the function made its sequence")
            #expect(marked?.1 == true, "the enqueue marked its wake-up")
            #expect(
                try await runtime.count("SELECT count(*)::int FROM notify.jobs WHERE queue = 'reports-export'") == 2)
            for statement in ["DROP OWNED BY \(role)", "DROP ROLE \(role)"] {
                try await runtime.client.query(PostgresQuery(unsafeSQL: statement), logger: runtime.logger)
            }
        }
    }

    @Test func skippedWakeUpsLoseNoJobsAndCriticalJobsAlwaysRing() async throws {
        let log = StartLog()
        try await TestRuntime.with(catalog: catalog(log)) { runtime in
            // As if another transaction had just rung for `recording`.
            _ = try await runtime.rows("SELECT notify.wake_due('recording', now() + interval '1 hour')")
            let heard = StartLog()
            try await runtime.client.withConnection { connection in
                try await connection.listen(on: "notify_jobs") { notifications in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for try await notification in notifications {
                                heard.record(notification.payload)
                            }
                        }
                        for key in ["bulk-1", "bulk-2", "bulk-3"] {
                            _ = try await runtime.rows(
                                "SELECT notify.enqueue('recording', jsonb_build_object('key', \(key)::text, 'sleepMilliseconds', 0), 'bulk')"
                            )
                        }
                        for key in ["otp-1", "otp-2"] {
                            _ = try await runtime.rows(
                                "SELECT notify.enqueue('recording', jsonb_build_object('key', \(key)::text, 'sleepMilliseconds', 0), 'critical')"
                            )
                        }
                        let deadline = ContinuousClock.now + .seconds(10)
                        while heard.total() < 2 && ContinuousClock.now < deadline {
                            try await Task.sleep(for: .milliseconds(20))
                        }
                        try await Task.sleep(for: .milliseconds(300))
                        group.cancelAll()
                    }
                }
            }
            #expect(heard.total() == 2 && heard.count("recording") == 2, "only the two critical enqueues rang")

            let worker = runtime.startWorker(testWorker(poll: .seconds(1)))
            #expect(await eventually(timeout: .seconds(10)) { log.total() == 5 })
            // Once idle, jobs enqueued without a wake-up are still found (by the next poll).
            try await Task.sleep(for: .milliseconds(1500))
            _ = try await runtime.rows("SELECT notify.wake_due('recording', now() + interval '2 hours')")
            _ = try await runtime.rows(
                "SELECT notify.enqueue('recording', '{\"key\":\"quiet\",\"sleepMilliseconds\":0}')")
            #expect(await eventually(timeout: .seconds(5)) { log.count("quiet") == 1 })
            try await worker.shutdown()
        }
    }
}
