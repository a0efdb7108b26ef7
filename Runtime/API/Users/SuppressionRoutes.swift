import Foundation
import Hummingbird
import PostgresNIO

/// A user's suppressions, for the support desk: the addresses that providers' answers or callbacks
/// stopped (a hard bounce, a spam report, an unsubscribe, an SMS STOP, a number that does not
/// exist), found through the user's current email address and phone number. Addresses are stored
/// as keyed hashes only, so suppressions are reached through the user, never listed as addresses.
///
/// - `GET /v1/users/{user}/suppressions` — `{"suppressions": [{"channel", "reason", "created_at"}]}`;
/// - `PUT /v1/users/{user}/suppressions/{channel}` with an optional `{"reason": "..."}` (default
///   `manual`) — stops sending to that address (201; 200 with the existing one if already there);
/// - `DELETE /v1/users/{user}/suppressions/{channel}` — sends to the address again (the user
///   fixed their mailbox; an SMS START does this by itself).
///
/// `channel` is `email` or `sms`; push tokens are invalidated per device instead.
struct SuppressionRoutes: Sendable {
    let dependencies: APIDependencies

    /// The channels whose addresses can be suppressed.
    static let channels: Set<String> = ["email", "sms"]

    struct Body: Decodable {
        var reason: String?
    }

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("users/{user}/suppressions") { _, context in try await list(context) }
        group.put("users/{user}/suppressions/{channel}") { request, context in try await put(request, context) }
        group.delete("users/{user}/suppressions/{channel}") { _, context in try await remove(context) }
    }

    func list(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let externalID = try context.parameters.externalID("user")
        let rows = try await dependencies.rows(
            """
            SELECT u.id, s.channel, s.reason, s.created_at
            FROM notify.users u
            LEFT JOIN notify.suppressions s
              ON s.tenant_id = u.tenant_id
             AND ((s.channel = 'email' AND s.address_hash = u.email_hash)
                  OR (s.channel = 'sms' AND s.address_hash = u.phone_hash))
            WHERE u.tenant_id = \(tenantID) AND u.external_id = \(externalID)
            ORDER BY s.channel
            """)
        guard !rows.isEmpty else { throw APIError.notFound("user", externalID) }
        var suppressions: [[String: Any]] = []
        for row in rows {
            let (_, channel, reason, createdAt) = try row.decode((Int64, String?, String?, Date?).self)
            guard let channel, let reason, let createdAt else { continue }
            suppressions.append(["channel": channel, "reason": reason, "created_at": ISO8601.format(createdAt)])
        }
        return try APIResponse.json(["suppressions": suppressions], status: .ok)
    }

    func put(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let externalID = try context.parameters.externalID("user")
        let channel = try Self.channel(context)
        let data = try await JSONBody.bytes(request)
        let reason =
            data.isEmpty
            ? "manual" : try JSONBody.decode(Body.self, from: data, allowedKeys: ["reason"]).reason ?? "manual"
        guard reason.range(of: #"^[a-z0-9_]{1,40}$"#, options: .regularExpression) != nil else {
            throw APIError(
                .badRequest, code: "invalid_reason",
                "reason must be 1 to 40 lowercase letters, digits or underscores, such as \"manual\" or \"user_request\""
            )
        }
        let hash = try await addressHash(tenantID: tenantID, externalID: externalID, channel: channel)
        let rows = try await dependencies.rows(
            """
            INSERT INTO notify.suppressions (tenant_id, channel, address_hash, reason)
            VALUES (\(tenantID), \(channel), \(hash), \(reason))
            ON CONFLICT (tenant_id, channel, address_hash) DO UPDATE SET reason = notify.suppressions.reason
            RETURNING reason, created_at, xmax = 0
            """)
        let (stored, createdAt, inserted) = try rows[0].decode((String, Date, Bool).self)
        context.logger.info(
            "address suppressed by the API", metadata: ["tenant": "\(tenantID)", "channel": "\(channel)"])
        return try APIResponse.json(
            ["channel": channel, "reason": stored, "created_at": ISO8601.format(createdAt)] as [String: Any],
            status: inserted ? .created : .ok)
    }

    func remove(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let externalID = try context.parameters.externalID("user")
        let channel = try Self.channel(context)
        let hash = try await addressHash(tenantID: tenantID, externalID: externalID, channel: channel)
        let rows = try await dependencies.rows(
            """
            DELETE FROM notify.suppressions
            WHERE tenant_id = \(tenantID) AND channel = \(channel) AND address_hash = \(hash)
            RETURNING reason
            """)
        guard let row = rows.first else {
            throw APIError(
                .notFound, code: "suppression_not_found",
                "user \"\(externalID)\"'s \(channel == "sms" ? "phone number" : "email address") is not suppressed")
        }
        context.logger.info(
            "address suppression removed by the API", metadata: ["tenant": "\(tenantID)", "channel": "\(channel)"])
        return try APIResponse.json(
            ["channel": channel, "removed": true, "reason": try row.decode(String.self)] as [String: Any], status: .ok)
    }

    static func channel(_ context: APIRequestContext) throws -> String {
        let channel = context.parameters.get("channel") ?? ""
        guard channels.contains(channel) else {
            throw APIError(
                .badRequest, code: "invalid_channel",
                "channel must be email or sms (got \"\(channel.prefix(20))\"); push tokens are invalidated per device")
        }
        return channel
    }

    /// The keyed hash of the user's current address on `channel`.
    func addressHash(tenantID: String, externalID: String, channel: String) async throws -> Data {
        let rows = try await dependencies.rows(
            """
            SELECT CASE \(channel) WHEN 'email' THEN email_hash ELSE phone_hash END
            FROM notify.users WHERE tenant_id = \(tenantID) AND external_id = \(externalID)
            """)
        guard let row = rows.first else { throw APIError.notFound("user", externalID) }
        guard let hash = try row.decode(Data?.self) else {
            let field = channel == "sms" ? "phone" : "email"
            throw APIError(
                .conflict, code: "no_address",
                "user \"\(externalID)\" has no \(field); set one with PUT /v1/users/\(externalID) first")
        }
        return hash
    }
}
