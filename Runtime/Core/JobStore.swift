import Foundation
import Logging
import NotifyFunctionKit
import PostgresNIO

/// The SQL of the queue: claim, complete, retry, bury, release, heartbeat.
///
/// Every write that concerns a claimed job is fenced: it matches `(id, fence)`, so a worker whose
/// lease was taken over (the job was claimed again, which bumped the fence) changes nothing.
struct JobStore: Sendable {
    let logger: Logger

    // MARK: Claim

    /// Claims up to `limit` ready jobs of `queues` in lanes `minLane` to `maxLane`, in one statement,
    /// ordered by lane, run_at, id (``ClaimStatement`` and ``MultiQueueClaimStatement``, prepared
    /// once per connection).
    func claim(
        on connection: PostgresConnection, queues: [String], limit: Int, minLane: Lane = .critical, maxLane: Lane,
        workerID: String, lease: Duration
    ) async throws -> [ClaimedJob] {
        let leaseSeconds = lease.inSeconds
        let maxLaneValue = Int16(maxLane.rawValue)
        var jobs: [ClaimedJob] = []
        jobs.reserveCapacity(limit)
        func append(_ row: ClaimStatement.Row) {
            let (id, queue, lane, payload, attempt, maxAttempts, fence, tenantID) = row
            jobs.append(
                ClaimedJob(
                    id: id, queue: queue, lane: Lane(rawValue: lane) ?? .transactional,
                    payload: JobPayload(json: payload),
                    attempt: Int(attempt), maxAttempts: Int(maxAttempts), fence: fence, tenantID: tenantID))
        }
        if queues.count == 1 {
            let statement = ClaimStatement(
                queue: queues[0], maxLane: maxLaneValue, limit: limit, workerID: workerID, leaseSeconds: leaseSeconds,
                minLane: Int16(minLane.rawValue))
            for try await row in try await connection.execute(statement, logger: logger) { append(row) }
        } else {
            let statement = MultiQueueClaimStatement(
                queues: queues, maxLane: maxLaneValue, limit: limit, workerID: workerID, leaseSeconds: leaseSeconds,
                minLane: Int16(minLane.rawValue))
            for try await row in try await connection.execute(statement, logger: logger) { append(row) }
        }
        // The statement's row order is not the claim order: hand jobs out lane first.
        if jobs.count > 1 { jobs.sort { ($0.lane, $0.id) < ($1.lane, $1.id) } }
        return jobs
    }

    /// The earliest `run_at` among ready jobs of `queues`, to sleep until it rather than a full poll.
    ///
    /// A worker asks this every time it runs out of ready jobs, so the statement is prepared: on
    /// the claim connection (generic plans) it is planned once, not on every call.
    func nextRunAt(
        on connection: PostgresConnection, queues: [String], lanes: ClosedRange<Lane> = .critical ... .bulk
    ) async throws -> Date? {
        let rows = try await AutoPreparedStatement.run(
            """
            SELECT min(next) FROM unnest(\(queues)::text[]) AS q(name),
                 generate_series(\(Int(lanes.lowerBound.rawValue)), \(Int(lanes.upperBound.rawValue))) AS l(lane),
            LATERAL (SELECT run_at AS next FROM notify.jobs
                     WHERE queue = q.name AND lane = l.lane AND state = 'ready' ORDER BY run_at LIMIT 1) n
            """, on: connection, logger: logger)
        return try rows.first?.decode(Date?.self)
    }

    // MARK: Outcomes

    /// Deletes finished jobs whose fence still matches (``DeleteCompletedStatement``); returns the
    /// ids it deleted.
    /// `waitingForDisk: false` also sets `synchronous_commit = off` for the rest of the
    /// transaction it runs in (in the same round trip).
    func deleteCompleted(
        on connection: PostgresConnection, jobs: [ClaimedJob], waitingForDisk: Bool = true
    ) async throws -> Set<Int64> {
        let statement = DeleteCompletedStatement(
            ids: jobs.map(\.id), fences: jobs.map(\.fence), synchronousCommit: waitingForDisk ? nil : "off")
        var deleted = Set<Int64>(minimumCapacity: jobs.count)
        for try await id in try await connection.execute(statement, logger: logger) { deleted.insert(id) }
        return deleted
    }

    /// Puts jobs back with a delay; returns the ids it updated.
    func retry(
        on connection: PostgresConnection, jobs: [ClaimedJob], delaysMilliseconds: [Int64], refunds: [Int32],
        errors: [String]
    ) async throws -> Set<Int64> {
        let ids = jobs.map(\.id)
        let fences = jobs.map(\.fence)
        let rows = try await connection.query(
            """
            UPDATE notify.jobs j
            SET state = 'ready', locked_by = NULL, locked_until = NULL,
                run_at = now() + c.delay_ms * interval '1 millisecond',
                attempt = j.attempt - c.refund,
                errors = CASE WHEN c.error = '' THEN j.errors
                              ELSE (j.errors || jsonb_build_array(c.error::jsonb)) END
            FROM unnest(\(ids)::bigint[], \(fences)::bigint[], \(delaysMilliseconds)::bigint[], \(refunds)::int[],
                        \(errors)::text[]) AS c(id, fence, delay_ms, refund, error)
            WHERE j.id = c.id AND j.fence = c.fence
            RETURNING j.id
            """, logger: logger)
        var updated = Set<Int64>()
        for try await id in rows.decode(Int64.self) { updated.insert(id) }
        return updated
    }

    /// Moves jobs to the dead-letter table with their error history; returns the ids it moved.
    func bury(on connection: PostgresConnection, jobs: [ClaimedJob], errors: [String]) async throws -> Set<Int64> {
        let ids = jobs.map(\.id)
        let fences = jobs.map(\.fence)
        let rows = try await connection.query(
            """
            WITH dead AS (
                DELETE FROM notify.jobs j USING unnest(\(ids)::bigint[], \(fences)::bigint[], \(errors)::text[])
                    AS c(id, fence, error)
                WHERE j.id = c.id AND j.fence = c.fence
                RETURNING j.id, j.queue, j.lane, j.payload, j.tenant_id, j.attempt, j.max_attempts,
                          j.errors || jsonb_build_array(c.error::jsonb) AS errors, j.created_at
            )
            INSERT INTO notify.dead_jobs (id, queue, lane, payload, tenant_id, attempts, max_attempts, errors, created_at)
            SELECT id, queue, lane, payload, tenant_id, attempt, max_attempts, errors, created_at FROM dead
            ON CONFLICT (id) DO UPDATE SET errors = EXCLUDED.errors, attempts = EXCLUDED.attempts, died_at = now()
            RETURNING id
            """, logger: logger)
        var moved = Set<Int64>()
        for try await id in rows.decode(Int64.self) { moved.insert(id) }
        return moved
    }

    /// Makes unfinished jobs claimable at once and gives their attempt back.
    func release(on connection: PostgresConnection, jobs: [ClaimedJob]) async throws -> Set<Int64> {
        let ids = jobs.map(\.id)
        let fences = jobs.map(\.fence)
        let rows = try await connection.query(
            """
            UPDATE notify.jobs j
            SET state = 'ready', locked_by = NULL, locked_until = NULL, run_at = now(),
                attempt = greatest(j.attempt - 1, 0)
            FROM unnest(\(ids)::bigint[], \(fences)::bigint[]) AS c(id, fence)
            WHERE j.id = c.id AND j.fence = c.fence AND j.state = 'running'
            RETURNING j.id
            """, logger: logger)
        var released = Set<Int64>()
        for try await id in rows.decode(Int64.self) { released.insert(id) }
        return released
    }

    /// Extends the leases of jobs still running here; returns the ids whose lease was extended.
    func heartbeat(on connection: PostgresConnection, jobs: [ClaimedJob], lease: Duration) async throws -> Set<Int64> {
        let ids = jobs.map(\.id)
        let fences = jobs.map(\.fence)
        let leaseSeconds = lease.inSeconds
        let rows = try await connection.query(
            """
            UPDATE notify.jobs j SET locked_until = now() + make_interval(secs => \(leaseSeconds))
            FROM unnest(\(ids)::bigint[], \(fences)::bigint[]) AS c(id, fence)
            WHERE j.id = c.id AND j.fence = c.fence AND j.state = 'running'
            RETURNING j.id
            """, logger: logger)
        var extended = Set<Int64>()
        for try await id in rows.decode(Int64.self) { extended.insert(id) }
        return extended
    }
}
