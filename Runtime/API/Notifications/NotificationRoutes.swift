import Crypto
import Foundation
import Hummingbird
import NotifyFunctionKit
import NotifyModel
import NotifyRuntime
import PostgresNIO

/// `POST /v1/notifications`, `GET /v1/notifications/{id}`, `PATCH /v1/notifications/{id}` (reschedule),
/// `POST /v1/notifications/{id}/cancel`.
struct NotificationRoutes: Sendable {
    let dependencies: APIDependencies

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("notifications") { request, context in try await create(request, context) }
        group.post("notifications/batch") { request, context in
            try await NotificationBatch(dependencies: dependencies).create(request, context)
        }
        group.get("notifications/{id}") { _, context in try await get(context) }
        group.post("notifications/{id}/cancel") { _, context in try await cancel(context) }
        group.patch("notifications/{id}") { request, context in try await reschedule(request, context) }
    }

    /// Records the notification and its `validate` job in one transaction, answering 202 once both
    /// are durable. An `Idempotency-Key` makes replays return the first answer.
    func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let body = try await JSONBody.bytes(request)
        let notification = try JSONBody.decode(
            NotificationRequest.self, from: body, allowedKeys: NotificationRequest.fields)
        let key = request.headers[named: "Idempotency-Key"]
        // The hash of the body in canonical form (sorted keys), so the same request with its fields
        // in another order is still the same request. Only a request with a key is ever compared.
        let accepted = try await NotificationIntake(dependencies: dependencies, tenantID: tenantID).prepare(
            notification, idempotencyKey: key, requestHash: key.map { _ in Self.canonicalHash(of: body) })
        let outcome = try await dependencies.acceptance.accept(accepted, logger: context.logger)
        var headers: HTTPFields = [.location: "/v1/notifications/\(outcome.id.uuidString.lowercased())"]
        if outcome.replay { headers[named: "Idempotent-Replayed"] = "true" }
        return try APIResponse.json(outcome.json, status: .accepted, headers: headers)
    }

    /// SHA-256 of `body` with its object keys sorted, or of `body` itself when it is not JSON.
    static func canonicalHash(of body: Data) -> Data {
        let canonical =
            (try? JSONSerialization.data(
                withJSONObject: JSONSerialization.jsonObject(with: body), options: [.sortedKeys])) ?? body
        return Data(SHA256.hash(data: canonical))
    }

    func get(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let id = try context.parameters.uuid("id")
        guard let view = try await NotificationView.load(id: id, tenantID: tenantID, dependencies: dependencies) else {
            throw APIError.notFound("notification", id.uuidString.lowercased())
        }
        return try APIResponse.json(view.json, status: .ok)
    }

    /// Cancels a notification that has not been released to the pipeline yet (scheduled, or
    /// accepted and not yet expanded), or whose deliveries still wait: those of a local-time send
    /// waiting for their recipient's wall-clock time (and any deferred by quiet hours). Waiting
    /// deliveries are dropped at once with reason `cancelled`, one `dropped` event each; deliveries
    /// already released are left to finish.
    func cancel(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let id = try context.parameters.uuid("id")
        let rows = try await dependencies.rows(
            """
            WITH target AS (
                SELECT id, status FROM notify.notifications WHERE id = \(id) AND tenant_id = \(tenantID) FOR UPDATE
            ), waiting AS (
                DELETE FROM notify.scheduled_jobs j USING target
                WHERE j.payload ? 'notification_id' AND lower(j.payload ->> 'notification_id') = target.id::text
                  AND j.queue = 'preference-filter' AND j.tenant_id = \(tenantID)
                RETURNING j.payload
            ), waiting_soon AS (
                DELETE FROM notify.jobs j USING target
                WHERE j.queue = 'preference-filter' AND j.state = 'ready' AND j.run_at > now()
                  AND lower(j.payload ->> 'notification_id') = target.id::text AND j.tenant_id = \(tenantID)
                RETURNING j.payload
            ), recipients AS (
                SELECT w.payload ->> 'channel' AS channel, u::bigint AS user_id
                FROM (SELECT payload FROM waiting UNION ALL SELECT payload FROM waiting_soon) w,
                     jsonb_array_elements_text(w.payload -> 'user_ids') AS u
            ), dropped AS (
                UPDATE notify.deliveries d SET status = 'dropped', reason = 'cancelled', updated_at = now()
                FROM recipients r
                WHERE d.notification_id = \(id) AND d.user_id = r.user_id AND d.channel = r.channel
                  AND d.status IN ('pending', 'deferred')
                RETURNING d.id
            ), dropped_events AS (
                INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind, detail)
                SELECT \(tenantID), \(id), id, 'dropped', '{"reason":"cancelled"}'::jsonb FROM dropped
            ), cancelled AS (
                UPDATE notify.notifications n SET status = 'cancelled', updated_at = now()
                FROM target
                WHERE n.id = target.id
                  AND (target.status IN ('scheduled', 'accepted')
                       OR (target.status IN ('processing', 'done') AND EXISTS (SELECT 1 FROM recipients)))
                RETURNING n.id
            ), event AS (
                INSERT INTO notify.events (tenant_id, notification_id, kind, detail)
                SELECT \(tenantID), id, 'cancelled', jsonb_build_object('dropped', (SELECT count(*) FROM dropped))
                FROM cancelled
            )
            SELECT target.status, EXISTS (SELECT 1 FROM cancelled), (SELECT count(*) FROM dropped) FROM target
            """)
        guard let row = rows.first else { throw APIError.notFound("notification", id.uuidString.lowercased()) }
        let (status, cancelled, dropped) = try row.decode((String, Bool, Int64).self)
        guard cancelled || status == "cancelled" else {
            throw APIError(
                .conflict, code: "not_cancellable",
                "the notification was already released (status \(status)) and none of its deliveries still waits; only scheduled, not yet processed or still waiting notifications can be cancelled"
            )
        }
        return try APIResponse.json(
            ["id": id.uuidString.lowercased(), "status": "cancelled", "dropped": Int(dropped)] as [String: Any],
            status: .ok)
    }
}

extension Parameters {
    func uuid(_ name: String) throws -> UUID {
        guard let text = self.get(name), let id = UUID(uuidString: text) else {
            throw APIError(
                .badRequest, code: "invalid_id", "\(name) must be a UUID such as 0b7e4e1c-1f8e-4b5e-9c1a-3f2d6c1e9a10")
        }
        return id
    }
}
