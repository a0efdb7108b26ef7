import Foundation
import Hummingbird
import PostgresNIO

/// Topics and their subscribers: `PUT /v1/topics/{key}`, `GET /v1/topics/{key}`,
/// `DELETE /v1/topics/{key}` (with its subscriptions), `POST /v1/topics/{key}/subscribers`
/// (`{"users": [...]}`, up to 1,000 per call; unknown users are listed in the 422),
/// `DELETE /v1/topics/{key}/subscribers/{user}`. Lists are ``TopicListRoutes``.
struct TopicRoutes: Sendable {
    let dependencies: APIDependencies

    func add(to group: RouterGroup<APIRequestContext>) {
        group.put("topics/{key}") { request, context in try await put(request, context) }
        group.get("topics/{key}") { _, context in try await get(context) }
        group.delete("topics/{key}") { _, context in try await delete(context) }
        group.post("topics/{key}/subscribers") { request, context in try await subscribe(request, context) }
        group.delete("topics/{key}/subscribers/{user}") { _, context in try await unsubscribe(context) }
    }

    struct TopicRequest: Decodable { var name: String? }
    struct SubscribeRequest: Decodable { var users: [String] }

    func put(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let key = try topicKey(context)
        let data = try await JSONBody.bytes(request)
        let name = data.isEmpty ? nil : try JSONBody.decode(TopicRequest.self, from: data, allowedKeys: ["name"]).name
        let rows = try await dependencies.rows(
            """
            INSERT INTO notify.topics AS t (tenant_id, key, name) VALUES (\(tenantID), \(key), \(name))
            ON CONFLICT (tenant_id, key) DO UPDATE SET name = coalesce(excluded.name, t.name)
            RETURNING (xmax = 0)
            """)
        let created = try rows.first?.decode(Bool.self) ?? false
        return try await view(tenantID: tenantID, key: key, status: created ? .created : .ok)
    }

    func get(_ context: APIRequestContext) async throws -> Response {
        try await view(tenantID: try context.requireTenant(), key: try topicKey(context), status: .ok)
    }

    /// Deletes the topic and its subscriptions. Notifications already expanded keep their
    /// deliveries; a later send, schedule or campaign naming the topic is refused with
    /// `unknown_topic`.
    func delete(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let key = try topicKey(context)
        let rows = try await dependencies.rows(
            "DELETE FROM notify.topics WHERE tenant_id = \(tenantID) AND key = \(key) RETURNING key")
        guard !rows.isEmpty else { throw APIError.notFound("topic", key) }
        return APIResponse.noContent
    }

    func subscribe(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let key = try topicKey(context)
        let body = try await JSONBody.decode(SubscribeRequest.self, from: request, allowedKeys: ["users"])
        guard (1...1000).contains(body.users.count) else {
            throw APIError(.badRequest, code: "invalid_users", "\"users\" must hold 1 to 1000 user ids per call")
        }
        let rows = try await dependencies.rows(
            """
            WITH topic AS (SELECT key FROM notify.topics WHERE tenant_id = \(tenantID) AND key = \(key)),
            found AS (
                SELECT u.id, u.external_id FROM notify.users u
                WHERE u.tenant_id = \(tenantID) AND u.external_id = ANY(\(body.users)::text[])
            ), added AS (
                INSERT INTO notify.topic_subscribers (tenant_id, topic_key, user_id)
                SELECT \(tenantID), topic.key, found.id FROM found, topic
                ON CONFLICT DO NOTHING RETURNING user_id
            )
            SELECT EXISTS (SELECT 1 FROM topic), (SELECT count(*) FROM added),
                   coalesce((SELECT array_agg(external_id) FROM found), '{}')
            """)
        let (exists, added, found) = try rows[0].decode((Bool, Int64, [String]).self)
        guard exists else { throw APIError.notFound("topic", key) }
        let missing = Set(body.users).subtracting(found)
        if !missing.isEmpty {
            throw APIError(
                .unprocessableContent, code: "unknown_user",
                "\(missing.count) user\(missing.count == 1 ? "" : "s") not found (\(missing.sorted().prefix(10).map { "\"\($0)\"" }.joined(separator: ", "))); the others were subscribed"
            )
        }
        return try APIResponse.json(["added": Int(added)] as [String: Any], status: .ok)
    }

    func unsubscribe(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let key = try topicKey(context)
        let user = try context.parameters.externalID("user")
        let rows = try await dependencies.rows(
            """
            DELETE FROM notify.topic_subscribers s USING notify.users u
            WHERE s.tenant_id = \(tenantID) AND s.topic_key = \(key) AND u.id = s.user_id AND u.external_id = \(user)
            RETURNING s.user_id
            """)
        guard !rows.isEmpty else { throw APIError.notFound("subscription", "\(key)/\(user)") }
        return APIResponse.noContent
    }

    func topicKey(_ context: APIRequestContext) throws -> String {
        let key = context.parameters.get("key")?.removingPercentEncoding ?? ""
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789_.:-")
        guard (1...127).contains(key.count), key.allSatisfy({ allowed.contains($0) }) else {
            throw APIError(
                .badRequest, code: "invalid_key",
                "topic keys are 1 to 127 lowercase letters, digits, '_', '.', ':' or '-'")
        }
        return key
    }

    func view(tenantID: String, key: String, status: HTTPResponse.Status) async throws -> Response {
        let rows = try await dependencies.rows(
            """
            SELECT t.name, (SELECT count(*) FROM notify.topic_subscribers s
                            WHERE s.tenant_id = t.tenant_id AND s.topic_key = t.key)
            FROM notify.topics t WHERE t.tenant_id = \(tenantID) AND t.key = \(key)
            """)
        guard let row = rows.first else { throw APIError.notFound("topic", key) }
        let (name, count) = try row.decode((String?, Int64).self)
        var json: [String: Any] = ["key": key, "subscribers": Int(count)]
        if let name { json["name"] = name }
        return try APIResponse.json(json, status: status)
    }
}
