import Foundation
import Hummingbird
import PostgresNIO

/// Listing topics and who is subscribed, in pages (`limit` 1–100, default 20; `cursor` is the
/// `next_cursor` of the previous page):
/// - `GET /v1/topics` — the tenant's topics by key (`key`, `name`, `created_at`);
/// - `GET /v1/topics/{key}/subscribers` — the topic's subscribers (`user`, `subscribed_at`), in the
///   order the users were created, through the subscribers' primary key.
struct TopicListRoutes: Sendable {
    let dependencies: APIDependencies

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("topics") { request, context in try await topics(request, context) }
        group.get("topics/{key}/subscribers") { request, context in try await subscribers(request, context) }
    }

    func topics(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let limit = try DigestRoutes.limit(request.uri.queryParameters.get("limit"))
        let after = request.uri.queryParameters.get("cursor") ?? ""
        let rows = try await dependencies.rows(
            """
            SELECT key, name, created_at FROM notify.topics
            WHERE tenant_id = \(tenantID) AND key > \(after)
            ORDER BY key LIMIT \(limit + 1)
            """)
        var topics: [[String: Any]] = []
        for row in rows.prefix(limit) {
            let (key, name, createdAt) = try row.decode((String, String?, Date).self)
            var topic: [String: Any] = ["key": key, "created_at": ISO8601.format(createdAt)]
            if let name { topic["name"] = name }
            topics.append(topic)
        }
        var json: [String: Any] = ["topics": topics]
        if rows.count > limit, let last = topics.last?["key"] { json["next_cursor"] = last }
        return try APIResponse.json(json, status: .ok)
    }

    func subscribers(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let key = try TopicRoutes(dependencies: dependencies).topicKey(context)
        let limit = try DigestRoutes.limit(request.uri.queryParameters.get("limit"))
        let cursorText = request.uri.queryParameters.get("cursor")
        var after: Int64 = 0
        if let cursorText {
            guard let value = Int64(cursorText), value > 0 else {
                throw APIError(
                    .badRequest, code: "invalid_cursor",
                    "cursor must be the next_cursor of a previous page (got \"\(cursorText.prefix(20))\")")
            }
            after = value
        }
        let exists = try await dependencies.rows(
            "SELECT 1 FROM notify.topics WHERE tenant_id = \(tenantID) AND key = \(key)")
        guard !exists.isEmpty else { throw APIError.notFound("topic", key) }
        let rows = try await dependencies.rows(
            """
            SELECT s.user_id, u.external_id, s.created_at
            FROM notify.topic_subscribers s JOIN notify.users u ON u.id = s.user_id
            WHERE s.tenant_id = \(tenantID) AND s.topic_key = \(key) AND s.user_id > \(after)
            ORDER BY s.user_id LIMIT \(limit + 1)
            """)
        var subscribers: [[String: Any]] = []
        var lastID: Int64?
        for row in rows.prefix(limit) {
            let (id, user, createdAt) = try row.decode((Int64, String, Date).self)
            subscribers.append(["user": user, "subscribed_at": ISO8601.format(createdAt)])
            lastID = id
        }
        var json: [String: Any] = ["subscribers": subscribers]
        if rows.count > limit, let lastID { json["next_cursor"] = String(lastID) }
        return try APIResponse.json(json, status: .ok)
    }
}
