import Foundation
import NotifyFunctionKit
import NotifyRuntime
import NotifyTestSupport
import PostgresNIO
import ProbeFunction
import Testing

/// Recurring schedules released by real `notify` processes: the leader is SIGKILLed in the middle
/// of a tick that has already released some occurrences, and the next leader releases every
/// occurrence exactly once, with none missing.
@Suite("Schedule processes", .serialized, .timeLimit(.minutes(5)))
struct ScheduleProcessTests {
    static let scheduleCount = 40

    /// Waits until the process `pid` leads in `term`.
    static func leads(_ runtime: TestRuntime, term: Int, pid: Int32) async -> Bool {
        await eventually(timeout: .seconds(30), every: .milliseconds(50)) {
            guard let rows = try? await runtime.rows("SELECT term, holder FROM notify.leader"),
                let row = try? rows.first?.decode((Int, String).self)
            else { return false }
            return row.0 == term && row.1.contains(":\(pid):")
        }
    }

    @Test("the leader SIGKILLed mid-tick: each occurrence of every schedule is released exactly once, none missing")
    func leaderKilledMidTick() async throws {
        var catalog = FunctionCatalog()
        catalog.register(ProbeFunction())
        try await TestRuntime.with(catalog: catalog) { runtime in
            let last = String(format: "s-%02d", Self.scheduleCount - 1)
            try await runtime.client.query(
                "INSERT INTO notify.tenants (id, name, inbox_secret) VALUES ('acme', 'acme', '\\x00')",
                logger: runtime.logger)
            // Schedules s-00 … s-39, every second; the tick releases them in id order.
            try await runtime.client.query(
                """
                INSERT INTO notify.schedules (tenant_id, id, cron, timezone, notification, next_run_at)
                SELECT 'acme', 's-' || lpad(i::text, 2, '0'), '* * * * * *', 'UTC',
                       '{"category": "welcome", "users": ["ada"], "data": {}}',
                       date_trunc('second', now()) + interval '1 second'
                FROM generate_series(0, \(Self.scheduleCount - 1)) AS i
                """, logger: runtime.logger)
            let arguments = ["work", "--functions", "probe", "--leader-interval-ms", "200"]
            let first = try await NotifyProcess.start(arguments, databaseURL: runtime.url.secretURLString)
            #expect(
                await eventually(timeout: .seconds(30)) {
                    (try? await runtime.count("SELECT term FROM notify.leader")) == 1
                })
            let second = try await NotifyProcess.start(arguments, databaseURL: runtime.url.secretURLString)
            let released = await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
                (try? await runtime.count("SELECT min(released_count)::int FROM notify.schedules")) ?? 0 >= 3
            }
            #expect(released, "\(first.log)")
            let holder = try await runtime.rows("SELECT holder FROM notify.leader")[0].decode(String.self)
            let (leader, follower) = holder.contains(":\(first.pid):") ? (first, second) : (second, first)

            // Hold the last schedule's row: the leader's next tick releases s-00 … s-38 in its
            // transaction and then waits on s-39. Kill it there, then let go.
            let followerPID = follower.pid
            let blockedMidTick = try await runtime.client.withConnection { connection in
                try await connection.query("BEGIN", logger: runtime.logger)
                try await connection.query(
                    "SELECT 1 FROM notify.schedules WHERE id = \(last) FOR UPDATE", logger: runtime.logger)
                let blocked = await eventually(timeout: .seconds(60), every: .milliseconds(20)) {
                    (try? await runtime.count(
                        """
                        SELECT count(*)::int FROM pg_stat_activity
                        WHERE wait_event_type = 'Lock' AND query LIKE '%notify.release_schedule%'
                        """)) == 1
                }
                leader.signal(SIGKILL)
                _ = await leader.waitForExit()
                try await connection.query("ROLLBACK", logger: runtime.logger)
                return blocked
            }
            #expect(blockedMidTick, "the leader's tick never waited on the held schedule")
            let tookOver = await Self.leads(runtime, term: 2, pid: followerPID)
            #expect(tookOver, "\(follower.log)")
            // The new leader catches up and runs on for a few more occurrences.
            let caughtUp = await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
                (try? await runtime.count(
                    """
                    SELECT count(*)::int FROM notify.schedules
                    WHERE next_run_at > (SELECT max(finished_at) FROM notify.leader_ticks WHERE term = 1) + interval '5 seconds'
                    """)) == Self.scheduleCount
            }
            if !caughtUp {
                // What the schedules and the ticks of both terms looked like, for the failure report.
                let state = try await runtime.rows(
                    """
                    SELECT 'next_run_at ' || min(next_run_at)::text || ' .. ' || max(next_run_at)::text || ', now '
                           || now()::text || ', ticks ' || (SELECT string_agg(term || ': ' || n || ' until ' || f, ', ')
                               FROM (SELECT term, count(*) n, max(finished_at)::text f FROM notify.leader_ticks
                                     GROUP BY term) t)
                    FROM notify.schedules
                    """)[0].decode(String.self)
                Issue.record("the new leader did not catch up: \(state)")
            }
            try await runtime.client.query("UPDATE notify.schedules SET paused = true", logger: runtime.logger)
            follower.signal(SIGTERM)
            #expect(await follower.waitForExit() == 0)

            // Every schedule: consecutive seconds from its first occurrence to its last, each once.
            let rows = try await runtime.rows(
                """
                SELECT s.id, s.released_count, count(n.id), count(DISTINCT n.idempotency_key),
                       extract(epoch FROM min(split_part(n.idempotency_key, ':', 3) || ':'
                                              || split_part(n.idempotency_key, ':', 4) || ':'
                                              || split_part(n.idempotency_key, ':', 5))::timestamptz)::bigint,
                       extract(epoch FROM max(split_part(n.idempotency_key, ':', 3) || ':'
                                              || split_part(n.idempotency_key, ':', 4) || ':'
                                              || split_part(n.idempotency_key, ':', 5))::timestamptz)::bigint
                FROM notify.schedules s
                LEFT JOIN notify.notifications n ON n.idempotency_key LIKE 'schedule:' || s.id || ':%'
                GROUP BY s.id, s.released_count ORDER BY s.id
                """)
            #expect(rows.count == Self.scheduleCount)
            let killedTickEnd = try await runtime.rows(
                "SELECT extract(epoch FROM max(finished_at))::bigint FROM notify.leader_ticks WHERE term = 1")[0]
                .decode(Int64.self)
            for row in rows {
                let (id, counted, notifications, distinct, firstSecond, lastSecond) = try row.decode(
                    (String, Int64, Int64, Int64, Int64, Int64).self)
                #expect(notifications == distinct, "\(id): an occurrence was released twice")
                #expect(lastSecond - firstSecond + 1 == notifications, "\(id): an occurrence is missing")
                #expect(counted == notifications, "\(id): released_count disagrees with the notifications")
                #expect(firstSecond <= killedTickEnd && lastSecond > killedTickEnd + 3, "\(id) spans the takeover")
            }
            // Each released notification enqueued exactly one validate job.
            let jobs = try await runtime.count(
                """
                SELECT (SELECT count(*) FROM notify.jobs WHERE queue = 'validate')
                     + (SELECT count(*) FROM notify.scheduled_jobs WHERE queue = 'validate')
                """)
            #expect(jobs == (try await runtime.count("SELECT count(*)::int FROM notify.notifications")))
        }
    }
}
