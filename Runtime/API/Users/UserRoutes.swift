import Foundation
import Hummingbird
import NotifyModel
import PostgresNIO

/// Users of a tenant: `PUT /v1/users/{id}` (upsert, ``UserUpsert``), `GET /v1/users/{id}`,
/// `DELETE /v1/users/{id}` (erases the user's personal data, devices, preferences, subscriptions
/// and inbox). Many at once: ``UserBatchRoutes``.
///
/// Email and phone are validated, stored only as AES-GCM ciphertext plus a keyed hash, and
/// returned to the owning tenant decrypted.
struct UserRoutes: Sendable {
    let dependencies: APIDependencies

    func add(to group: RouterGroup<APIRequestContext>) {
        group.put("users/{user}") { request, context in try await upsert(request, context) }
        group.get("users/{user}") { _, context in try await get(context) }
        group.delete("users/{user}") { _, context in try await delete(context) }
    }

    func upsert(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let externalID = try context.parameters.externalID("user")
        let body = try await JSONBody.decode(UserRequest.self, from: request, allowedKeys: UserRequest.fields)
        let upsert = try UserUpsert(body, dependencies: dependencies)
        let rows = try await dependencies.rows(try upsert.query(tenantID: tenantID, externalID: externalID))
        let created = try rows.first?.decode(Bool.self) ?? false
        guard let view = try await UserView.load(tenantID: tenantID, externalID: externalID, dependencies: dependencies)
        else { throw APIError.notFound("user", externalID) }
        return try APIResponse.json(view, status: created ? .created : .ok)
    }

    func get(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let externalID = try context.parameters.externalID("user")
        guard let view = try await UserView.load(tenantID: tenantID, externalID: externalID, dependencies: dependencies)
        else { throw APIError.notFound("user", externalID) }
        return try APIResponse.json(view, status: .ok)
    }

    func delete(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let externalID = try context.parameters.externalID("user")
        let rows = try await dependencies.rows(
            """
            DELETE FROM notify.users WHERE tenant_id = \(tenantID) AND external_id = \(externalID) RETURNING id
            """)
        guard !rows.isEmpty else { throw APIError.notFound("user", externalID) }
        return APIResponse.noContent
    }
}

/// Turns a model validation error into a 400 problem.
enum ContactCheck {
    static func run<T>(_ body: () throws(ModelError) -> T) throws -> T {
        do { return try body() } catch { throw APIError(.badRequest, code: error.code, error.message) }
    }

    /// Validates an optional value; nil stays nil.
    static func value(_ value: String?, _ validate: (String) throws(ModelError) -> String) throws -> String? {
        guard let value else { return nil }
        do { return try validate(value) } catch { throw APIError(.badRequest, code: error.code, error.message) }
    }
}

extension Parameters {
    /// A tenant's id for a user, topic or other resource: 1 to 200 characters.
    func externalID(_ name: String) throws -> String {
        // Counted as PostgreSQL's length() counts (code points), the column's CHECK: counted in
        // Swift characters, 200 "e\u{301}" passed here and failed there with a 500.
        guard let raw = self.get(name), let value = raw.removingPercentEncoding, !value.isEmpty,
            value.unicodeScalars.count <= 200
        else {
            throw APIError(.badRequest, code: "invalid_id", "\(name) must be 1 to 200 characters")
        }
        return value
    }
}
