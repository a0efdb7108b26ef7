import Foundation
import Logging
import NotifyFunctionKit
import NotifyModel
import NotifyRuntime
import PostgresNIO

/// Makes accepted notifications durable: the notification row, its first timeline event and its
/// `validate` job, for many concurrent `POST /v1/notifications` requests in one transaction (see
/// ``NotifyFunctionKit/Coalescer``). Each request still gets its own answer: created, a replay of
/// an earlier request with the same `Idempotency-Key`, or the reuse of a key with another body.
struct NotificationAcceptance: Sendable {
    /// One request to accept. `row.id` is the new notification's id, chosen by the caller.
    struct Request: Sendable {
        var row: Row
        var job: JobRequest
        /// True for critical notifications: they never wait behind other requests.
        var critical: Bool
    }

    /// The notification row, as JSON for `jsonb_to_recordset` (see ``encoder``): `recipients` and
    /// `data` are JSON texts, `sendAt` seconds since 1970, `requestHash` base64.
    struct Row: Encodable, Sendable {
        var id: UUID
        var tenantID: String
        var categoryKey: String
        var templateKey: String?
        var recipients: String
        var data: String
        var channels: [String]?
        var lane: String?
        var sendAt: Date?
        /// The local send time as the request gave it, for the timeline.
        var sendAtLocal: String?
        var status: String
        var idempotencyKey: String?
        /// The hash of the request's canonical body, kept only with an idempotency key (to tell a
        /// replay from a reuse of the key with another body).
        var requestHash: Data?

        enum CodingKeys: String, CodingKey {
            case id, recipients, data, channels, lane, status
            case tenantID = "tenant_id"
            case categoryKey = "category_key"
            case templateKey = "template_key"
            case sendAt = "send_at"
            case sendAtLocal = "send_at_local"
            case idempotencyKey = "idempotency_key"
            case requestHash = "request_hash"
        }
    }

    /// What a request is answered.
    struct Accepted: Sendable {
        var id: UUID
        var replay: Bool
        var status: String

        /// The answer's JSON object: `id`, `status`, `replay`.
        var json: [String: Any] { ["id": id.uuidString.lowercased(), "status": status, "replay": replay] }
    }

    private let coalescer: Coalescer<Request, Result<Accepted, any Error>, APICaller>
    private let client: PostgresClient
    private let producer: JobProducer

    /// Creates the acceptance of an API process.
    init(client: PostgresClient, producer: JobProducer) {
        self.client = client
        self.producer = producer
        coalescer = Coalescer { requests, caller in
            try await Self.acceptAll(requests, client: client, producer: producer, logger: caller.logger)
        }
    }

    /// Accepts one request, together with the requests that arrive with it.
    func accept(_ request: Request, logger: Logger) async throws -> Accepted {
        try await coalescer.load(request, context: APICaller(goesAlone: request.critical, logger: logger)).get()
    }

    /// Why a request of ``acceptTogether(_:logger:)`` could not be accepted: its position, and why.
    struct ItemFailure: Error {
        var index: Int
        var underlying: any Error
    }

    /// Accepts `requests` in one transaction of their own, all or none (`POST /v1/notifications/batch`):
    /// answers in request order, or throws the first failing request's ``ItemFailure`` (a key
    /// reused with another body, say), and then nothing is accepted.
    func acceptTogether(_ requests: [Request], logger: Logger) async throws -> [Accepted] {
        do {
            return try await PendingWakeup.afterTransaction(on: client, logger: logger) { connection in
                let (results, wakeup) = try await Self.write(
                    requests, on: connection, producer: producer, logger: logger)
                let accepted = try results.enumerated().map { index, result in
                    do { return try result.get() } catch { throw ItemFailure(index: index, underlying: error) }
                }
                return (accepted, wakeup)
            }
        } catch let error as PostgresTransactionError {
            // Rolled back because of one request: that request's failure, not the transaction's.
            if let failure = error.closureError as? ItemFailure, error.rollbackError == nil { throw failure }
            throw error
        }
    }

    /// Accepts `requests` in one transaction; should it fail, each in a transaction of its own, so
    /// that one request that cannot be written holds no other back. The workers are woken after
    /// the commit, so that the commit does not hold the database-wide notification lock while it
    /// waits for the disk (see ``PendingWakeup``).
    static func acceptAll(
        _ requests: [Request], client: PostgresClient, producer: JobProducer, logger: Logger
    ) async throws -> [Result<Accepted, any Error>] {
        try await servedTogetherOrEachAlone(requests) { batch in
            try await PendingWakeup.afterTransaction(on: client, logger: logger) { connection in
                try await write(batch, on: connection, producer: producer, logger: logger)
            }
        }
    }

    /// Inserts the rows (a key already used leaves its row out), their events and the jobs of the
    /// rows inserted, then answers the others from the rows their keys name; returns the answers
    /// and the wake-up to send once the transaction has committed.
    private static func write(
        _ requests: [Request], on connection: PostgresConnection, producer: JobProducer, logger: Logger
    ) async throws -> ([Result<Accepted, any Error>], PendingWakeup) {
        let rows = String(decoding: try encoder.encode(requests.map(\.row)), as: UTF8.self)
        var created = Set<UUID>()
        for row in try await AutoPreparedStatement.run(
            PostgresQuery(unsafeSQL: insertSQL, binds: Self.bindings(rows)), on: connection, logger: logger)
        {
            created.insert(try row.decode(UUID.self))
        }
        let jobs = requests.filter { created.contains($0.row.id) }.map(\.job)
        let wakeup =
            jobs.isEmpty ? .none : try await producer.enqueue(jobs, on: connection, wakingAfterCommit: true).wakeup
        var results: [Result<Accepted, any Error>] = []
        for request in requests {
            if created.contains(request.row.id) {
                results.append(.success(Accepted(id: request.row.id, replay: false, status: request.row.status)))
            } else {
                results.append(try await replay(request.row, on: connection, logger: logger))
            }
        }
        return (results, wakeup)
    }

    /// Encodes ``Row``s as ``insertSQL`` reads them.
    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }

    private static func bindings(_ rows: String) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(rows)
        return bindings
    }

    /// The answer to a request whose key was used before: the first request's, if the body is
    /// the same (or if the first notification's content was erased, which takes its hash).
    private static func replay(
        _ row: Row, on connection: PostgresConnection, logger: Logger
    ) async throws -> Result<Accepted, any Error> {
        guard let key = row.idempotencyKey else {
            return .failure(APIError(.conflict, code: "idempotency_conflict", "retry the request"))
        }
        let existing = try await connection.query(
            """
            SELECT id, request_hash, send_at, send_at_local IS NOT NULL, content_erased_at IS NOT NULL
            FROM notify.notifications
            WHERE tenant_id = \(row.tenantID) AND idempotency_key = \(key)
            """, logger: logger)
        var first: (UUID, Data?, Date?, Bool, Bool)?
        for try await found in existing.decode((UUID, Data?, Date?, Bool, Bool).self) { first = found }
        guard let (id, hash, sendAt, local, erased) = first else {
            return .failure(APIError(.conflict, code: "idempotency_conflict", "retry the request"))
        }
        // An erased notification's hash is gone with its content (see `ContentErasure`): the key
        // alone names it.
        guard hash == row.requestHash || erased else {
            return .failure(
                APIError(
                    .unprocessableContent, code: "idempotency_key_reused",
                    "this Idempotency-Key was used with a different body; use a new key for a new notification"))
        }
        let scheduled = local || (sendAt.map { $0 > Date() } ?? false)
        return .success(Accepted(id: id, replay: true, status: scheduled ? "scheduled" : "accepted"))
    }

    /// Inserts notifications given as a JSON array of ``Row``s, with their first timeline event;
    /// returns the ids inserted.
    static let insertSQL = """
        WITH input AS (
            SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(
                id uuid, tenant_id text, category_key text, template_key text, recipients text, data text,
                channels text[], lane text, send_at float8, send_at_local text, status text,
                idempotency_key text, request_hash text)
        ), created AS (
            INSERT INTO notify.notifications
                (id, tenant_id, category_key, template_key, recipients, data, channels, lane, send_at,
                 send_at_local, status, idempotency_key, request_hash)
            SELECT id, tenant_id, category_key, template_key, recipients::jsonb, data::jsonb, channels, lane,
                   to_timestamp(send_at), send_at_local::timestamp, status, idempotency_key,
                   decode(request_hash, 'base64')
            FROM input
            ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            RETURNING id, tenant_id, status
        ), event AS (
            INSERT INTO notify.events (tenant_id, notification_id, kind, detail)
            SELECT c.tenant_id, c.id, c.status,
                   jsonb_strip_nulls(jsonb_build_object('via', 'api', 'send_at_local', i.send_at_local))
            FROM created c JOIN input i ON i.id = c.id
        )
        SELECT id FROM created
        """
}
