import Crypto
import Foundation
import Hummingbird
import NotifyFunctionKit
import NotifyModel
import NotifyRuntime
import PostgresNIO

/// `POST /v1/notifications`, `GET /v1/notifications/{id}`, `POST /v1/notifications/{id}/cancel`.
struct NotificationRoutes: Sendable {
    let dependencies: APIDependencies

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("notifications") { request, context in try await create(request, context) }
        group.get("notifications/{id}") { _, context in try await get(context) }
        group.post("notifications/{id}/cancel") { _, context in try await cancel(context) }
    }

    /// Records the notification and its `validate` job in one transaction, answering 202 once both
    /// are durable. An `Idempotency-Key` makes replays return the first answer.
    func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let body = try await JSONBody.bytes(request)
        let notification = try JSONBody.decode(
            NotificationRequest.self, from: body, allowedKeys: NotificationRequest.fields)
        try notification.validateShape()
        let recipients = try notification.recipientsJSON()
        let lane = try await NotificationChecks(dependencies: dependencies, tenantID: tenantID).check(notification)
        let key = request.headers[named: "Idempotency-Key"]
        if let key, key.isEmpty || key.count > 255 {
            throw APIError(.badRequest, code: "invalid_idempotency_key", "Idempotency-Key must be 1 to 255 characters")
        }
        // The hash of the body in canonical form (sorted keys), so the same request with its fields
        // in another order is still the same request.
        let canonical =
            (try? JSONSerialization.data(
                withJSONObject: JSONSerialization.jsonObject(with: body), options: [.sortedKeys])) ?? body
        let requestHash = Data(SHA256.hash(data: canonical))
        let scheduled = (notification.sendAt ?? .distantPast) > Date()
        let status = scheduled ? "scheduled" : "accepted"
        let data = String(decoding: try JSONEncoder().encode(notification.data ?? [:]), as: UTF8.self)
        let outcome: (id: UUID, replay: Bool, status: String) = try await dependencies.client.withTransaction(
            logger: context.logger
        ) { connection in
            let inserted = try await connection.query(
                """
                WITH created AS (
                    INSERT INTO notify.notifications
                        (tenant_id, category_key, template_key, recipients, data, channels, lane, send_at, status,
                         idempotency_key, request_hash)
                    VALUES (\(tenantID), \(notification.category), \(notification.template), \(recipients)::jsonb,
                            \(data)::jsonb, \(notification.channels), \(notification.priority.flatMap(Lane.init(name:))?.description),
                            \(notification.sendAt),
                            \(status), \(key), \(requestHash))
                    ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
                    RETURNING id
                ), event AS (
                    INSERT INTO notify.events (tenant_id, notification_id, kind, detail)
                    SELECT \(tenantID), id, \(status), '{"via":"api"}'::jsonb FROM created
                )
                SELECT id FROM created
                """, logger: context.logger)
            var created: UUID?
            for try await id in inserted.decode(UUID.self) { created = id }
            if let id = created {
                try await dependencies.producer.enqueue(
                    [
                        try JobRequest(
                            function: "validate", input: ValidateInput(tenantID: tenantID, notificationID: id),
                            lane: lane, runAt: scheduled ? notification.sendAt : nil,
                            tenantID: tenantID)
                    ], on: connection)
                return (id, false, status)
            }
            // The key was used before: answer as the first request was answered, if it was the same.
            let existing = try await connection.query(
                """
                SELECT id, request_hash, send_at FROM notify.notifications
                WHERE tenant_id = \(tenantID) AND idempotency_key = \(key)
                """, logger: context.logger)
            var first: (UUID, Data?, Date?)?
            for try await row in existing.decode((UUID, Data?, Date?).self) { first = row }
            if let (id, hash, sendAt) = first {
                guard hash == requestHash else {
                    throw APIError(
                        .unprocessableContent, code: "idempotency_key_reused",
                        "this Idempotency-Key was used with a different body; use a new key for a new notification")
                }
                return (id, true, sendAt != nil && sendAt! > Date() ? "scheduled" : "accepted")
            }
            throw APIError(.conflict, code: "idempotency_conflict", "retry the request")
        }
        var headers: HTTPFields = [.location: "/v1/notifications/\(outcome.id.uuidString.lowercased())"]
        if outcome.replay { headers[named: "Idempotent-Replayed"] = "true" }
        return try APIResponse.json(
            ["id": outcome.id.uuidString.lowercased(), "status": outcome.status, "replay": outcome.replay]
                as [String: Any],
            status: .accepted, headers: headers)
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
    /// accepted and not yet expanded); its undelivered deliveries are dropped with reason `cancelled`.
    func cancel(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let id = try context.parameters.uuid("id")
        let rows = try await dependencies.rows(
            """
            WITH target AS (
                SELECT id, status FROM notify.notifications WHERE id = \(id) AND tenant_id = \(tenantID) FOR UPDATE
            ), cancelled AS (
                UPDATE notify.notifications n SET status = 'cancelled', updated_at = now()
                FROM target WHERE n.id = target.id AND target.status IN ('scheduled', 'accepted')
                RETURNING n.id
            ), event AS (
                INSERT INTO notify.events (tenant_id, notification_id, kind) SELECT \(tenantID), id, 'cancelled' FROM cancelled
            )
            SELECT target.status, EXISTS (SELECT 1 FROM cancelled) FROM target
            """)
        guard let row = rows.first else { throw APIError.notFound("notification", id.uuidString.lowercased()) }
        let (status, cancelled) = try row.decode((String, Bool).self)
        guard cancelled || status == "cancelled" else {
            throw APIError(
                .conflict, code: "not_cancellable",
                "the notification was already released (status \(status)); only scheduled or not yet processed notifications can be cancelled"
            )
        }
        return try APIResponse.json(
            ["id": id.uuidString.lowercased(), "status": "cancelled"] as [String: Any], status: .ok)
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
