import Foundation
import Hummingbird
import NotifyModel
import PostgresNIO

/// Push devices of a user: `POST /v1/users/{id}/devices` registers a token (idempotent per
/// platform and token), `DELETE /v1/users/{id}/devices/{device}` removes one of that user's devices
/// (another user's device, even of the same tenant, is a 404). Tokens are stored
/// encrypted with a keyed hash for uniqueness, and never returned.
struct DeviceRoutes: Sendable {
    let dependencies: APIDependencies

    struct DeviceRequest: Decodable {
        var platform: String
        var token: String
    }

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("users/{user}/devices") { request, context in try await register(request, context) }
        group.delete("users/{user}/devices/{device}") { _, context in try await remove(context) }
    }

    func register(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let externalID = try context.parameters.externalID("user")
        let body = try await JSONBody.decode(DeviceRequest.self, from: request, allowedKeys: ["platform", "token"])
        guard body.platform == "apns" || body.platform == "fcm" else {
            throw APIError(.badRequest, code: "invalid_platform", "\"platform\" must be apns or fcm")
        }
        let token = body.token.trimmingCharacters(in: .whitespaces)
        guard (8...4096).contains(token.count) else {
            throw APIError(.badRequest, code: "invalid_device_token", "\"token\" must be 8 to 4096 characters")
        }
        let cipher = Data(try dependencies.cipher.seal(token))
        let hash = Data(dependencies.hasher.hash("\(body.platform):\(token)", channel: .push))
        let rows = try await dependencies.rows(
            """
            INSERT INTO notify.devices (tenant_id, user_id, platform, token_cipher, token_hash, registered_at)
            SELECT \(tenantID), id, \(body.platform), \(cipher), \(hash), now() FROM notify.users
            WHERE tenant_id = \(tenantID) AND external_id = \(externalID)
            ON CONFLICT (tenant_id, platform, token_hash) DO UPDATE
                SET user_id = excluded.user_id, invalidated_at = NULL, invalid_reason = NULL, registered_at = now()
            RETURNING id
            """)
        guard let row = rows.first else { throw APIError.notFound("user", externalID) }
        return try APIResponse.json(
            ["id": try row.decode(Int64.self), "platform": body.platform] as [String: Any], status: .created)
    }

    func remove(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let externalID = try context.parameters.externalID("user")
        guard let deviceID = context.parameters.get("device").flatMap(Int64.init) else {
            throw APIError(.badRequest, code: "invalid_id", "device must be a device id (an integer)")
        }
        let rows = try await dependencies.rows(
            """
            DELETE FROM notify.devices d USING notify.users u
            WHERE d.id = \(deviceID) AND d.tenant_id = \(tenantID)
              AND u.tenant_id = \(tenantID) AND u.external_id = \(externalID) AND d.user_id = u.id
            RETURNING d.id
            """)
        guard !rows.isEmpty else { throw APIError.notFound("device", String(deviceID)) }
        return APIResponse.noContent
    }
}
