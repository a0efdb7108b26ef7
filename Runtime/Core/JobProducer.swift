import Foundation
import Logging
import NotifyFunctionKit
import PostgresNIO

/// Enqueues jobs from Swift.
///
/// Use ``enqueue(_:)`` for its own transaction, or ``enqueue(_:on:wakingAfterCommit:)`` inside a
/// transaction you hold, so that the jobs exist if and only if your transaction commits. Unknown
/// function names are refused before anything is written.
public struct JobProducer: Sendable {
    /// Jobs due later than this go to `notify.scheduled_jobs` and are promoted by the leader.
    public static let scheduleHorizon: Duration = .seconds(30)

    let client: PostgresClient
    let catalog: FunctionCatalog
    let throttle: WakeupThrottle
    let logger: Logger

    /// Creates a producer. `notifyInterval` is the shortest time between two wake-up
    /// notifications for the same queue and lane from this process.
    public init(
        client: PostgresClient, catalog: FunctionCatalog, notifyInterval: Duration = .milliseconds(2), logger: Logger
    ) {
        self.client = client
        self.catalog = catalog
        self.throttle = WakeupThrottle(interval: notifyInterval)
        self.logger = logger
    }

    /// Enqueues jobs in one statement and transaction, then wakes their workers (see
    /// ``PendingWakeup``); returns their ids (ascending).
    @discardableResult
    public func enqueue(_ requests: [JobRequest]) async throws -> [Int64] {
        guard !requests.isEmpty else { return [] }
        return try await client.withConnection { connection in
            let (ids, wakeup) = try await enqueue(requests, on: connection, wakingAfterCommit: true)
            await wakeup.send(on: connection, logger: logger)
            return ids
        }
    }

    /// Enqueues one job.
    @discardableResult
    public func enqueue(_ request: JobRequest) async throws -> Int64 {
        try await enqueue([request])[0]
    }

    /// Enqueues jobs on a connection you hold, inside your transaction if one is open.
    ///
    /// With `wakingAfterCommit` false, the workers are woken by the transaction's commit itself.
    /// That commit then holds PostgreSQL's database-wide notification lock until it has reached
    /// the disk, and every other committing transaction that rings waits for it (see
    /// ``PendingWakeup``). With `wakingAfterCommit` true, nothing rings at commit: send the
    /// returned wake-up once your transaction has committed, with ``PendingWakeup/send(on:logger:)``.
    @discardableResult
    public func enqueue(
        _ requests: [JobRequest], on connection: PostgresConnection, wakingAfterCommit: Bool
    ) async throws -> (ids: [Int64], wakeup: PendingWakeup) {
        let enqueued = try await enqueue(requests, on: connection, chaining: nil, wakingAfterCommit: wakingAfterCommit)
        return (enqueued.ids, enqueued.wakeup)
    }

    /// Enqueues jobs on `connection`; those `chaining` takes are inserted already claimed by its
    /// worker (running, attempt 1, leased) and returned as claimed jobs, to run at once without a
    /// claim or a wake-up. The wake-ups due now ring at commit, or, with `wakingAfterCommit`, are
    /// returned for the caller to send after it.
    func enqueue(
        _ requests: [JobRequest], on connection: PostgresConnection, chaining: ChainedClaim?,
        wakingAfterCommit: Bool
    ) async throws -> (ids: [Int64], chained: [ClaimedJob], wakeup: PendingWakeup) {
        guard !requests.isEmpty else { return ([], [], .none) }
        var claimed: [Bool] = []
        var chainedRequests: [(request: JobRequest, lane: Lane, maxAttempts: Int)] = []
        var queues: [String] = []
        var lanes: [Int16] = []
        var runAts: [Double] = []
        var payloads: [String] = []
        var tenants: [String] = []
        var maxAttempts: [Int32] = []
        var wakeKeys = Set<WakeupThrottle.Key>()
        let horizon = Date().addingTimeInterval(Double(Self.scheduleHorizon.components.seconds))
        for request in requests {
            guard let settings = catalog.settings(for: request.function) else {
                throw RuntimeError(
                    .unknownFunction,
                    "unknown function \"\(request.function)\": use one of \(catalog.names.map(\.rawValue).sorted().joined(separator: ", "))"
                )
            }
            let lane = request.lane ?? settings.defaultLane
            let chained = chaining.map { chainedRequests.count < $0.budget && $0.takes(request, lane: lane) } ?? false
            claimed.append(chained)
            if chained { chainedRequests.append((request, lane, settings.maxAttempts)) }
            queues.append(request.function.rawValue)
            lanes.append(lane.rawValue)
            runAts.append(request.runAt?.timeIntervalSince1970 ?? 0)
            payloads.append(try request.payload)
            tenants.append(request.tenantID ?? "")
            maxAttempts.append(Int32(settings.maxAttempts))
            if !chained && (request.runAt ?? .distantPast) < horizon {
                wakeKeys.insert(.init(queue: request.function.rawValue, lane: lane))
            }
        }
        let decision = throttle.decide(wakeKeys)
        let ringing = wakingAfterCommit ? [] : decision.now
        let rows = try await AutoPreparedStatement.run(
            """
            WITH input AS (
                SELECT ord, queue, lane,
                       CASE WHEN run_at_epoch = 0 THEN now() ELSE to_timestamp(run_at_epoch) END AS run_at,
                       payload::jsonb AS payload, nullif(tenant_id, '') AS tenant_id, max_attempts, claimed
                FROM unnest(\(queues)::text[], \(lanes)::int2[], \(runAts)::float8[], \(payloads)::text[],
                            \(tenants)::text[], \(maxAttempts)::int4[], \(claimed)::bool[])
                     WITH ORDINALITY AS r(queue, lane, run_at_epoch, payload, tenant_id, max_attempts, claimed, ord)
            ), soon AS (
                INSERT INTO notify.jobs
                    (queue, lane, run_at, payload, tenant_id, max_attempts, state, attempt, fence, locked_by,
                     locked_until)
                SELECT queue, lane, run_at, payload, tenant_id, max_attempts,
                       CASE WHEN claimed THEN 'running' ELSE 'ready' END, CASE WHEN claimed THEN 1 ELSE 0 END,
                       CASE WHEN claimed THEN 1 ELSE 0 END, CASE WHEN claimed THEN \(chaining?.workerID ?? "") END,
                       CASE WHEN claimed THEN now() + make_interval(secs => \(chaining?.leaseSeconds ?? 0)) END
                FROM input
                WHERE run_at <= now() + interval '30 seconds' ORDER BY ord
                RETURNING id, state = 'running' AS claimed
            ), later AS (
                INSERT INTO notify.scheduled_jobs (id, queue, lane, run_at, payload, tenant_id, max_attempts)
                SELECT nextval(pg_get_serial_sequence('notify.jobs', 'id')), queue, lane, run_at, payload, tenant_id,
                       max_attempts
                FROM input WHERE run_at > now() + interval '30 seconds' ORDER BY ord
                RETURNING id
            ), woke AS (
                SELECT -1::bigint AS id, pg_notify('notify_jobs', q) FROM unnest(\(ringing)::text[]) AS q
            )
            SELECT id, claimed FROM soon UNION ALL SELECT id, false FROM later UNION ALL SELECT id, false FROM woke
            """, on: connection, logger: logger)
        var ids: [Int64] = []
        var chainedIDs: [Int64] = []
        ids.reserveCapacity(requests.count)
        for row in rows {
            let (id, claimed) = try row.decode((Int64, Bool).self)
            if id >= 0 { ids.append(id) }
            if claimed { chainedIDs.append(id) }
        }
        for (key, delay) in decision.trailing { scheduleTrailingNotify(key, after: delay) }
        // Identities are drawn in the insert's order (by ordinality), so the claimed rows' ids in
        // ascending order match the chained requests in request order.
        chainedIDs.sort()
        guard chainedIDs.count == chainedRequests.count else {
            throw RuntimeError(
                .internalInconsistency,
                "the enqueue returned \(chainedIDs.count) claimed jobs for \(chainedRequests.count) chained requests")
        }
        let chained = zip(chainedIDs, chainedRequests).map { id, chained in
            ClaimedJob(
                id: id, queue: chained.request.function.rawValue, lane: chained.lane, payload: chained.request.body,
                attempt: 1, maxAttempts: chained.maxAttempts, fence: 1, tenantID: chained.request.tenantID)
        }
        return (ids.sorted(), chained, PendingWakeup(queues: wakingAfterCommit ? decision.now : []))
    }

    private func scheduleTrailingNotify(_ key: WakeupThrottle.Key, after delay: Duration) {
        // Unstructured on purpose: the trailing notification must outlive the enqueue call that
        // scheduled it; it is short, bounded by `delay`, and failure only costs a poll interval.
        Task { [client, throttle, logger] in
            try? await Task.sleep(for: delay)
            throttle.trailingSent(key)
            await PendingWakeup(queues: [key.queue]).send(with: client, logger: logger)
        }
    }
}
