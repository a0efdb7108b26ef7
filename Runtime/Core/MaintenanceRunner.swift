import Logging
import NotifyFunctionKit
import PostgresNIO

/// Carries out ``MaintenanceAction``s on the leader's connection, inside its tick transaction.
struct MaintenanceRunner: Sendable {
    let logger: Logger

    /// What one tick did, for logs and tests.
    struct Report: Sendable, Equatable {
        var promoted = 0
        var rescued = 0
        var buried = 0
        var pruned = 0
    }

    func run(_ actions: [MaintenanceAction], on connection: PostgresConnection, holder: String) async throws -> Report {
        var report = Report()
        for action in actions {
            switch action {
            case .promoteScheduledJobs(let limit):
                report.promoted += try await promote(limit: limit, on: connection)
            case .rescueExpiredLeases(let limit):
                let (rescued, buried) = try await rescue(limit: limit, on: connection, holder: holder)
                report.rescued += rescued
                report.buried += buried
            case .pruneDeadJobs(let seconds, let limit):
                report.pruned += try await pruneDead(olderThanSeconds: seconds, limit: limit, on: connection)
            }
        }
        return report
    }

    private func promote(limit: Int, on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(
            """
            WITH due AS (
                DELETE FROM notify.scheduled_jobs
                WHERE id IN (SELECT id FROM notify.scheduled_jobs WHERE run_at <= now() + interval '2 seconds'
                             ORDER BY run_at, id LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                RETURNING *
            ), moved AS (
                INSERT INTO notify.jobs (id, queue, lane, run_at, payload, tenant_id, max_attempts, created_at)
                OVERRIDING SYSTEM VALUE
                SELECT id, queue, lane, run_at, payload, tenant_id, max_attempts, created_at FROM due
                RETURNING queue
            ), counted AS (SELECT queue, count(*) AS n FROM moved GROUP BY queue)
            SELECT coalesce(sum(n), 0)::bigint, count(pg_notify('notify_jobs', queue)) FROM counted
            """, logger: logger)
        for try await (promoted, _) in rows.decode((Int64, Int64).self) { return Int(promoted) }
        return 0
    }

    private func rescue(limit: Int, on connection: PostgresConnection, holder: String) async throws -> (Int, Int) {
        let rows = try await connection.query(Self.rescueStatement(limit: limit, holder: holder), logger: logger)
        for try await (rescued, buried, _) in rows.decode((Int64, Int64, Int64).self) {
            return (Int(rescued), Int(buried))
        }
        return (0, 0)
    }

    /// Puts running jobs whose lease ran out back to ready (or buries those on their last attempt),
    /// oldest lease first, at most `limit`; returns the counts revived and buried. It finds them
    /// through `jobs_leased`, not by reading the whole queue.
    static func rescueStatement(limit: Int, holder: String) -> PostgresQuery {
        """
        WITH expired AS (
            SELECT id FROM notify.jobs WHERE state = 'running' AND locked_until < now()
            ORDER BY locked_until LIMIT \(limit) FOR UPDATE SKIP LOCKED
        ), dead AS (
            DELETE FROM notify.jobs j USING expired e
            WHERE j.id = e.id AND j.attempt >= j.max_attempts
            RETURNING j.id, j.queue, j.lane, j.payload, j.tenant_id, j.attempt, j.max_attempts, j.created_at,
                      j.errors || jsonb_build_array(jsonb_build_object(
                          'attempt', j.attempt, 'code', 'lease_expired', 'kind', 'transient',
                          'message', 'the worker ' || coalesce(j.locked_by, '?')
                              || ' stopped renewing its lease (crashed or stalled) on the last attempt',
                          'at', now(), 'worker', \(holder))) AS errors
        ), buried AS (
            INSERT INTO notify.dead_jobs (id, queue, lane, payload, tenant_id, attempts, max_attempts, errors, created_at)
            SELECT id, queue, lane, payload, tenant_id, attempt, max_attempts, errors, created_at FROM dead
            ON CONFLICT (id) DO UPDATE SET errors = EXCLUDED.errors, died_at = now()
            RETURNING id
        ), revived AS (
            UPDATE notify.jobs j
            SET state = 'ready', locked_by = NULL, locked_until = NULL, run_at = now(),
                errors = j.errors || jsonb_build_array(jsonb_build_object(
                    'attempt', j.attempt, 'code', 'lease_expired', 'kind', 'transient',
                    'message', 'the worker ' || coalesce(j.locked_by, '?')
                        || ' stopped renewing its lease (crashed or stalled)',
                    'at', now(), 'worker', \(holder)))
            FROM expired e
            WHERE j.id = e.id AND j.attempt < j.max_attempts
            RETURNING j.queue
        ), woke AS (
            SELECT count(pg_notify('notify_jobs', queue)) AS n FROM (SELECT DISTINCT queue FROM revived) q
        )
        SELECT (SELECT count(*) FROM revived), (SELECT count(*) FROM buried), (SELECT n FROM woke)
        """
    }

    private func pruneDead(
        olderThanSeconds seconds: Int, limit: Int, on connection: PostgresConnection
    ) async throws -> Int {
        let rows = try await connection.query(
            Self.pruneStatement(olderThanSeconds: seconds, limit: limit), logger: logger)
        for try await pruned in rows.decode(Int64.self) { return Int(pruned) }
        return 0
    }

    /// Deletes at most `limit` dead jobs that died more than `seconds` ago (found through
    /// `dead_jobs_by_age`) and leader ticks older than a day; returns the dead jobs deleted.
    static func pruneStatement(olderThanSeconds seconds: Int, limit: Int) -> PostgresQuery {
        """
        WITH old AS (
            DELETE FROM notify.dead_jobs WHERE id IN (
                SELECT id FROM notify.dead_jobs WHERE died_at < now() - make_interval(secs => \(Double(seconds)))
                LIMIT \(limit))
            RETURNING 1
        ), ticks AS (
            DELETE FROM notify.leader_ticks WHERE started_at < now() - interval '1 day' RETURNING 1
        )
        SELECT (SELECT count(*) FROM old) + 0 * (SELECT count(*) FROM ticks)
        """
    }
}
