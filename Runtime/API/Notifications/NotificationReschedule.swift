import Foundation
import Hummingbird
import NotifyModel
import PostgresNIO

/// The body of `PATCH /v1/notifications/{id}`: exactly one new send time.
struct RescheduleRequest: Decodable, Sendable {
    var sendAt: Date?
    var sendAtLocal: String?

    enum CodingKeys: String, CodingKey {
        case sendAt = "send_at"
        case sendAtLocal = "send_at_local"
    }

    static let fields: Set<String> = ["send_at", "send_at_local"]
}

extension NotificationRoutes {
    /// Moves a scheduled notification to a new `send_at` or `send_at_local` while it has not been
    /// released: its `validate` job still waits. Once released (expansion began: at `send_at`, or
    /// for a local time when the first zone on Earth reached it) the answer is 409
    /// `already_released`; cancel still stops the deliveries that wait. A cancelled notification is
    /// 409 `notification_cancelled`: a new one must be sent.
    func reschedule(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let id = try context.parameters.uuid("id")
        let body = try await JSONBody.bytes(request)
        let change = try JSONBody.decode(RescheduleRequest.self, from: body, allowedKeys: RescheduleRequest.fields)
        let timing = try SendTiming(sendAt: change.sendAt, sendAtLocal: change.sendAtLocal)
        guard timing.sendAt != nil || timing.sendAtLocal != nil else {
            throw APIError(
                .badRequest, code: "missing_send_time",
                "give the new time as \"send_at\" (an instant with an offset) or \"send_at_local\" (a wall-clock time such as 2026-12-02T09:00)"
            )
        }
        let runAt = timing.validateRunAt ?? Date()
        try await dependencies.client.withTransaction(logger: context.logger) { connection in
            let current = try await connection.query(
                """
                SELECT status FROM notify.notifications WHERE id = \(id) AND tenant_id = \(tenantID) FOR UPDATE
                """, logger: context.logger
            ).collect().first?.decode(String.self)
            guard let status = current else { throw APIError.notFound("notification", id.uuidString.lowercased()) }
            let released = APIError(
                .conflict, code: "already_released",
                "the notification was already released (status \(status)); it can no longer be rescheduled — cancel it to stop deliveries that still wait, and send a new one"
            )
            guard status != "cancelled" else {
                throw APIError(
                    .conflict, code: "notification_cancelled",
                    "the notification was cancelled and cannot be rescheduled; send a new one with the new time")
            }
            guard status == "scheduled" else { throw released }
            // The validate job waits in scheduled_jobs, or (due within 30 s) unclaimed in jobs.
            let moved =
                try await connection.query(
                    """
                    WITH later AS (
                        UPDATE notify.scheduled_jobs SET run_at = \(runAt)
                        WHERE payload ? 'notification_id' AND lower(payload ->> 'notification_id') = \(id.uuidString.lowercased())
                          AND queue = 'validate' AND tenant_id = \(tenantID)
                        RETURNING id
                    ), soon AS (
                        UPDATE notify.jobs SET run_at = \(runAt)
                        WHERE queue = 'validate' AND state = 'ready' AND tenant_id = \(tenantID)
                          AND lower(payload ->> 'notification_id') = \(id.uuidString.lowercased())
                        RETURNING id
                    )
                    SELECT (SELECT count(*) FROM later) + (SELECT count(*) FROM soon)
                    """, logger: context.logger
                ).collect().first?.decode(Int64.self) ?? 0
            guard moved > 0 else { throw released }
            try await connection.query(
                """
                WITH changed AS (
                    UPDATE notify.notifications
                    SET send_at = \(timing.sendAt), send_at_local = \(timing.localText)::timestamp, updated_at = now()
                    WHERE id = \(id) AND tenant_id = \(tenantID)
                    RETURNING id
                )
                INSERT INTO notify.events (tenant_id, notification_id, kind, detail)
                SELECT \(tenantID), id,
                       'rescheduled', jsonb_strip_nulls(jsonb_build_object(
                           'send_at', \(timing.sendAt.map(ISO8601.format))::text,
                           'send_at_local', \(timing.localText)::text))
                FROM changed
                """, logger: context.logger)
        }
        guard let view = try await NotificationView.load(id: id, tenantID: tenantID, dependencies: dependencies) else {
            throw APIError.notFound("notification", id.uuidString.lowercased())
        }
        return try APIResponse.json(view.json, status: .ok)
    }
}
