import Foundation
import Logging
import PostgresNIO

/// Read and repair the queue: status per queue and the dead-letter table.
public struct QueueInspector: Sendable {
    /// One queue's state.
    public struct QueueStatus: Sendable, Codable, Equatable {
        public let queue: String
        /// Ready now.
        public let ready: Int
        /// Ready later (retry backoff or scheduled), in either table.
        public let waiting: Int
        /// Claimed and running.
        public let inFlight: Int
        /// In the dead-letter table.
        public let dead: Int
        /// Age of the oldest job ready now, in seconds (0 when none).
        public let oldestReadyAgeSeconds: Double
    }

    /// One dead job.
    public struct DeadJob: Sendable, Codable, Equatable {
        public let id: Int64
        public let queue: String
        public let attempts: Int
        public let diedAt: Date
        public let lastError: String
        /// The error history: one JSON object per failed attempt.
        public let errors: String
        public let payload: String
    }

    let client: PostgresClient
    let logger: Logger

    /// Creates an inspector.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Status of every known function's queue.
    public func queues() async throws -> [QueueStatus] {
        let rows = try await client.query(
            """
            WITH live AS (
                SELECT queue,
                       count(*) FILTER (WHERE state = 'ready' AND run_at <= now()) AS ready,
                       count(*) FILTER (WHERE state = 'ready' AND run_at > now()) AS waiting,
                       count(*) FILTER (WHERE state = 'running') AS in_flight,
                       coalesce(extract(epoch FROM now() - min(run_at) FILTER (WHERE state = 'ready' AND run_at <= now())), 0)::float8 AS oldest
                FROM notify.jobs GROUP BY queue
            ), later AS (SELECT queue, count(*) AS n FROM notify.scheduled_jobs GROUP BY queue),
               dead AS (SELECT queue, count(*) AS n FROM notify.dead_jobs GROUP BY queue),
               names AS (SELECT name AS queue FROM notify.functions UNION SELECT queue FROM live
                         UNION SELECT queue FROM later UNION SELECT queue FROM dead)
            SELECT n.queue, coalesce(l.ready, 0)::bigint, (coalesce(l.waiting, 0) + coalesce(s.n, 0))::bigint,
                   coalesce(l.in_flight, 0)::bigint, coalesce(d.n, 0)::bigint, coalesce(l.oldest, 0)::float8
            FROM names n LEFT JOIN live l USING (queue) LEFT JOIN later s USING (queue) LEFT JOIN dead d USING (queue)
            ORDER BY n.queue
            """, logger: logger)
        var result: [QueueStatus] = []
        for try await (queue, ready, waiting, inFlight, dead, oldest) in rows.decode(
            (String, Int64, Int64, Int64, Int64, Double).self)
        {
            result.append(
                QueueStatus(
                    queue: queue, ready: Int(ready), waiting: Int(waiting), inFlight: Int(inFlight), dead: Int(dead),
                    oldestReadyAgeSeconds: oldest))
        }
        return result
    }

    /// Dead jobs, newest first.
    public func deadJobs(queue: String? = nil, limit: Int = 50) async throws -> [DeadJob] {
        let rows = try await client.query(
            """
            SELECT id, queue, attempts, died_at, coalesce(errors -> -1 ->> 'message', ''), errors::text, payload::text
            FROM notify.dead_jobs WHERE \(queue ?? "")::text = '' OR queue = \(queue ?? "")
            ORDER BY died_at DESC, id DESC LIMIT \(limit)
            """, logger: logger)
        var result: [DeadJob] = []
        for try await (id, queue, attempts, diedAt, lastError, errors, payload) in rows.decode(
            (Int64, String, Int32, Date, String, String, String).self)
        {
            result.append(
                DeadJob(
                    id: id, queue: queue, attempts: Int(attempts), diedAt: diedAt, lastError: lastError,
                    errors: errors, payload: payload))
        }
        return result
    }

    /// Moves dead jobs back to the queue with fresh attempts (their error history is kept).
    /// Returns the ids replayed; ids not in the dead-letter table are ignored.
    @discardableResult
    public func replay(ids: [Int64]) async throws -> [Int64] {
        let rows = try await client.query(
            """
            WITH revived AS (
                DELETE FROM notify.dead_jobs WHERE id = ANY(\(ids)::bigint[]) RETURNING *
            ), inserted AS (
                INSERT INTO notify.jobs (id, queue, lane, run_at, payload, tenant_id, attempt, max_attempts, errors, created_at)
                OVERRIDING SYSTEM VALUE
                SELECT id, queue, lane, now(), payload, tenant_id, 0, max_attempts, errors, created_at FROM revived
                RETURNING id, queue
            ), woke AS (SELECT count(pg_notify('notify_jobs', queue)) FROM (SELECT DISTINCT queue FROM inserted) q)
            SELECT id FROM inserted UNION ALL SELECT -1 FROM woke
            """, logger: logger)
        var replayed: [Int64] = []
        for try await id in rows.decode(Int64.self) where id >= 0 { replayed.append(id) }
        return replayed.sorted()
    }

    /// Deletes dead jobs for good. Returns the ids deleted.
    @discardableResult
    public func discard(ids: [Int64]) async throws -> [Int64] {
        let rows = try await client.query(
            "DELETE FROM notify.dead_jobs WHERE id = ANY(\(ids)::bigint[]) RETURNING id", logger: logger)
        var discarded: [Int64] = []
        for try await id in rows.decode(Int64.self) { discarded.append(id) }
        return discarded.sorted()
    }

    /// The ids of every dead job of a queue (for `--all`).
    public func deadJobIDs(queue: String?) async throws -> [Int64] {
        let rows = try await client.query(
            "SELECT id FROM notify.dead_jobs WHERE \(queue ?? "")::text = '' OR queue = \(queue ?? "") ORDER BY id",
            logger: logger)
        var ids: [Int64] = []
        for try await id in rows.decode(Int64.self) { ids.append(id) }
        return ids
    }
}
