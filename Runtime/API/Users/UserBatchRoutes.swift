import Foundation
import Hummingbird
import NotifyModel
import PostgresNIO

/// `POST /v1/users`: up to 1,000 users created or updated at once, as a backend syncing its
/// users does: `{"users": [{"id": "ada", "email": "…", "phone": "…", "locale": "…",
/// "timezone": "…", "data": {…}}, …]}`. Each entry takes the fields of `PUT /v1/users/{id}`
/// with the same rules (absent fields keep their value, a `null` contact point clears it).
///
/// Every entry is checked first, and the first that fails is answered with its place
/// (`users[3]: …`) with nothing written; then all are written in one transaction. The answer
/// counts them: `{"created": n, "updated": n}`.
struct UserBatchRoutes: Sendable {
    let dependencies: APIDependencies

    /// The most users one request takes.
    static let maximumUsers = 1000

    struct Body: Decodable {
        var users: [Entry]
    }

    /// One entry: the user's id beside the fields of `PUT /v1/users/{id}`.
    struct Entry: Decodable {
        var id: String
        var fields: UserRequest

        enum CodingKeys: String, CodingKey { case id }

        /// The fields an entry takes: a typo would silently drop a value.
        static let allowed = UserRequest.fields.union(["id"])

        init(from decoder: any Decoder) throws {
            let names = try decoder.container(keyedBy: KeyCheckedBody<Entry>.FieldName.self).allKeys
            if let unknown = names.map(\.stringValue).sorted().first(where: { !Self.allowed.contains($0) }) {
                let place = decoder.codingPath.last?.intValue.map { "users[\($0)]" } ?? "users"
                throw APIError(
                    .badRequest, code: "unknown_field",
                    "\(place): unknown field \"\(unknown.prefix(40))\"; allowed: \(Self.allowed.sorted().joined(separator: ", "))"
                )
            }
            id = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .id)
            fields = try UserRequest(from: decoder)
        }
    }

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("users") { request, context in try await upsert(request, context) }
    }

    func upsert(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let body = try await JSONBody.decode(Body.self, from: request, allowedKeys: ["users"])
        guard (1...Self.maximumUsers).contains(body.users.count) else {
            throw APIError(
                .badRequest, code: "invalid_users",
                "\"users\" must hold 1 to \(Self.maximumUsers) users per request (got \(body.users.count))")
        }
        var seen = Set<String>()
        var upserts: [(String, UserUpsert)] = []
        for (index, entry) in body.users.enumerated() {
            do {
                guard !entry.id.isEmpty, entry.id.unicodeScalars.count <= 200 else {
                    throw APIError(.badRequest, code: "invalid_id", "id must be 1 to 200 characters")
                }
                guard seen.insert(entry.id).inserted else {
                    throw APIError(
                        .badRequest, code: "duplicate_user",
                        "user \"\(entry.id)\" appears more than once; merge its fields")
                }
                upserts.append((entry.id, try UserUpsert(entry.fields, dependencies: dependencies)))
            } catch let error as APIError {
                throw APIError(
                    error.status, code: error.code, "users[\(index)]: \(error.detail)", headers: error.headers)
            }
        }
        let created = try await dependencies.client.withTransaction(logger: context.logger) { connection in
            var created = 0
            for (id, upsert) in upserts {
                let rows = try await connection.query(
                    upsert.query(tenantID: tenantID, externalID: id), logger: context.logger)
                for try await row in rows where try row.decode(Bool.self) { created += 1 }
            }
            return created
        }
        return try APIResponse.json(
            ["created": created, "updated": upserts.count - created] as [String: Any], status: .ok)
    }
}
