import Foundation
import Hummingbird
import PostgresNIO

/// `GET /v1/notifications?category=&status=&since=&until=&limit=&cursor=`: the tenant's
/// notifications, newest first (``ActivityListQuery``), each with its category, template, status,
/// recipient count and times; `GET /v1/notifications/{id}` has its deliveries and timeline.
struct NotificationListRoutes: Sendable {
    let dependencies: APIDependencies

    /// A notification's statuses, as `status` takes them.
    static let statuses = ["scheduled", "accepted", "processing", "done", "refused", "cancelled"]

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("notifications") { request, context in try await list(request, context) }
    }

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let page = try ActivityListQuery(request)
        let status = try ActivityListQuery.choice("status", in: request, allowed: Self.statuses)
        let category = request.uri.queryParameters.get("category")
        let afterID =
            try page.afterID { UUID(uuidString: $0) }
            ?? UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255))
        // The bound on created_at alone is what the (tenant_id, created_at) index walks; the row
        // comparison then orders rows of the same microsecond by id.
        let rows = try await dependencies.rows(
            """
            WITH bound AS (
                SELECT CASE WHEN \(page.after?.micros)::bigint IS NULL THEN 'infinity'::timestamptz
                            ELSE to_timestamp(0) + \(page.after?.micros)::bigint * interval '1 microsecond' END AS at
            )
            SELECT n.id, n.category_key, n.template_key, n.status, n.recipient_count, n.created_at, n.send_at,
                   to_char(n.send_at_local, 'YYYY-MM-DD"T"HH24:MI:SS'), n.refusal ->> 'code',
                   (extract(epoch FROM n.created_at) * 1000000)::bigint
            FROM notify.notifications n, bound
            WHERE n.tenant_id = \(tenantID) AND n.created_at <= bound.at AND (n.created_at, n.id) < (bound.at, \(afterID))
              AND n.created_at >= coalesce(\(page.since)::timestamptz, '-infinity') AND n.created_at < coalesce(\(page.until)::timestamptz, 'infinity')
              AND (\(category)::text IS NULL OR n.category_key = \(category))
              AND (\(status)::text IS NULL OR n.status = \(status))
            ORDER BY n.created_at DESC, n.id DESC LIMIT \(page.limit + 1)
            """)
        var notifications: [[String: Any]] = []
        var next: String?
        for row in rows.prefix(page.limit) {
            let (id, category, template, status, recipients, createdAt, sendAt, sendAtLocal, refusal, micros) =
                try row.decode((UUID, String, String?, String, Int32, Date, Date?, String?, String?, Int64).self)
            var item: [String: Any] = [
                "id": id.uuidString.lowercased(), "category": category, "status": status,
                "recipients": Int(recipients), "created_at": ISO8601.format(createdAt),
            ]
            if let template { item["template"] = template }
            if let sendAt { item["send_at"] = ISO8601.format(sendAt) }
            if let sendAtLocal { item["send_at_local"] = sendAtLocal }
            if let refusal { item["refusal_code"] = refusal }
            notifications.append(item)
            next = ActivityListQuery.cursor(micros: micros, id: id.uuidString.lowercased())
        }
        var json: [String: Any] = ["notifications": notifications]
        if rows.count > page.limit, let next { json["next_cursor"] = next }
        return try APIResponse.json(json, status: .ok)
    }
}
