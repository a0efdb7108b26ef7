import Foundation
import Hummingbird
import NotifyModel
import PostgresNIO

/// `GET /v1/users/{user}/deliveries?channel=&status=&since=&until=&limit=&cursor=`: what was sent
/// to one user, newest first (``ActivityListQuery``), for the support desk: per delivery its
/// notification and category, channel, status and reason, the provider account, attempts and
/// times. Content is not shown (it may be a passcode, and is erased where the category says so);
/// `GET /v1/notifications/{id}` has the timeline.
struct DeliveryLogRoutes: Sendable {
    let dependencies: APIDependencies

    /// A delivery's statuses, as `status` takes them.
    static let statuses = [
        "pending", "deferred", "rendered", "sending", "sent", "delivered", "unknown", "failed", "dropped", "digested",
    ]

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("users/{user}/deliveries") { request, context in try await list(request, context) }
    }

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let externalID = try context.parameters.externalID("user")
        let page = try ActivityListQuery(request)
        let status = try ActivityListQuery.choice("status", in: request, allowed: Self.statuses)
        let channel = try ActivityListQuery.choice("channel", in: request, allowed: Channel.allCases.map(\.rawValue))
        let afterID = try page.afterID { Int64($0) } ?? .max
        let users = try await dependencies.rows(
            "SELECT id FROM notify.users WHERE tenant_id = \(tenantID) AND external_id = \(externalID)")
        guard let user = users.first else { throw APIError.notFound("user", externalID) }
        let userID = try user.decode(Int64.self)
        // The bound on created_at alone is what the (tenant_id, user_id, created_at) index walks;
        // the row comparison then orders rows of the same microsecond by id.
        let rows = try await dependencies.rows(
            """
            WITH bound AS (
                SELECT CASE WHEN \(page.after?.micros)::bigint IS NULL THEN 'infinity'::timestamptz
                            ELSE to_timestamp(0) + \(page.after?.micros)::bigint * interval '1 microsecond' END AS at
            )
            SELECT d.id, d.notification_id, n.category_key, d.channel, d.status, d.reason, d.provider_account_id,
                   d.attempts, d.created_at, d.updated_at, (extract(epoch FROM d.created_at) * 1000000)::bigint
            FROM notify.deliveries d
            JOIN notify.notifications n ON n.id = d.notification_id AND n.tenant_id = d.tenant_id, bound
            WHERE d.tenant_id = \(tenantID) AND d.user_id = \(userID)
              AND d.created_at <= bound.at AND (d.created_at, d.id) < (bound.at, \(afterID))
              AND d.created_at >= coalesce(\(page.since)::timestamptz, '-infinity') AND d.created_at < coalesce(\(page.until)::timestamptz, 'infinity')
              AND (\(channel)::text IS NULL OR d.channel = \(channel))
              AND (\(status)::text IS NULL OR d.status = \(status))
            ORDER BY d.created_at DESC, d.id DESC LIMIT \(page.limit + 1)
            """)
        var deliveries: [[String: Any]] = []
        var next: String?
        for row in rows.prefix(page.limit) {
            let (
                id, notification, category, channel, status, reason, provider, attempts, createdAt, updatedAt, micros
            ) =
                try row.decode(
                    (Int64, UUID, String, String, String, String?, String?, Int32, Date, Date, Int64).self)
            var item: [String: Any] = [
                "id": String(id), "notification_id": notification.uuidString.lowercased(), "category": category,
                "channel": channel, "status": status, "attempts": Int(attempts),
                "created_at": ISO8601.format(createdAt), "updated_at": ISO8601.format(updatedAt),
            ]
            if let reason { item["reason"] = reason }
            if let provider { item["provider_account"] = provider }
            deliveries.append(item)
            next = ActivityListQuery.cursor(micros: micros, id: String(id))
        }
        var json: [String: Any] = ["deliveries": deliveries]
        if rows.count > page.limit, let next { json["next_cursor"] = next }
        return try APIResponse.json(json, status: .ok)
    }
}
