import Foundation
import Hummingbird
import PostgresNIO

/// A user's digests: `GET /v1/users/{user}/digests?status=&limit=&cursor=`, newest first.
///
/// Each digest is one collection of a category's notifications for one channel: `open` while
/// it collects, `closing` while its message is made, `closed` once sent (with the notification
/// that carried it). `next_cursor` continues the list.
struct DigestRoutes: Sendable {
    let dependencies: APIDependencies

    static let statuses: Set<String> = ["open", "closing", "closed"]

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("users/{user}/digests") { request, context in try await list(request, context) }
    }

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let externalID = try context.parameters.externalID("user")
        let query = request.uri.queryParameters
        let limit = try Self.limit(query.get("limit"))
        let cursor = try Self.cursor(query.get("cursor"))
        let status = query.get("status")
        if let status, !Self.statuses.contains(status) {
            throw APIError(
                .badRequest, code: "invalid_status",
                "status must be open, closing or closed (got \"\(status.prefix(40))\")")
        }
        let users = try await dependencies.rows(
            "SELECT id FROM notify.users WHERE tenant_id = \(tenantID) AND external_id = \(externalID)")
        guard let user = users.first else { throw APIError.notFound("user", externalID) }
        let userID = try user.decode(Int64.self)
        let rows = try await dependencies.rows(
            """
            SELECT id, category_key, channel, status, item_count, max_items, opened_at, closes_at, closed_at,
                   notification_id
            FROM notify.digests
            WHERE tenant_id = \(tenantID) AND user_id = \(userID) AND id < \(cursor)
              AND (\(status)::text IS NULL OR status = \(status))
            ORDER BY id DESC LIMIT \(limit + 1)
            """)
        var digests: [[String: Any]] = []
        var lastID: Int64?
        for row in rows.prefix(limit) {
            let (id, category, channel, status, items, maxItems, openedAt, closesAt, closedAt, notification) =
                try row.decode((Int64, String, String, String, Int32, Int32, Date, Date, Date?, UUID?).self)
            lastID = id
            var digest: [String: Any] = [
                "id": String(id), "category": category, "channel": channel, "status": status, "items": Int(items),
                "max_items": Int(maxItems), "opened_at": ISO8601.format(openedAt),
                "closes_at": ISO8601.format(closesAt),
            ]
            let closed: Any = closedAt.map { ISO8601.format($0) } ?? NSNull()
            let carrier: Any = notification.map { $0.uuidString.lowercased() } ?? NSNull()
            digest["closed_at"] = closed
            digest["notification_id"] = carrier
            digests.append(digest)
        }
        var json: [String: Any] = ["digests": digests]
        if rows.count > limit, let lastID { json["next_cursor"] = String(lastID) }
        return try APIResponse.json(json, status: .ok)
    }

    /// `limit`: 1 to 100, default 20.
    static func limit(_ text: String?) throws -> Int {
        guard let text else { return 20 }
        guard let value = Int(text), (1...100).contains(value) else {
            throw APIError(
                .badRequest, code: "invalid_limit",
                "limit must be a whole number from 1 to 100 (got \"\(text.prefix(20))\")")
        }
        return value
    }

    /// `cursor`: the `next_cursor` of the previous page.
    static func cursor(_ text: String?) throws -> Int64 {
        guard let text else { return .max }
        guard let value = Int64(text), value > 0 else {
            throw APIError(
                .badRequest, code: "invalid_cursor",
                "cursor must be the next_cursor of a previous page (got \"\(text.prefix(20))\")")
        }
        return value
    }
}
