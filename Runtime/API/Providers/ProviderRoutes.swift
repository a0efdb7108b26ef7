import Foundation
import Hummingbird
import NotifyModel
import NotifyProviders
import PostgresNIO

/// Provider accounts: `PUT /v1/providers/{id}` (create or replace), `GET /v1/providers`,
/// `GET /v1/providers/{id}`, `DELETE /v1/providers/{id}`.
///
/// ```json
/// {"kind": "twilio", "config": {"account_sid": "AC…", "auth_token": "…"},
///  "sender": {"from": "+15005550006"}, "rate_per_second": 50, "burst": 100}
/// ```
/// `config` holds the credentials: its keys and the `sender` fields are checked first
/// (``ProviderAccountCheck``), then it is checked by building the client, stored only as AES-GCM
/// ciphertext, and never returned or logged. `sender` holds non-secret facts the channel needs
/// (`from`, `from_name`, `reply_to` for email; `from` for SMS; `url` for webhooks).
struct ProviderRoutes: Sendable {
    let dependencies: APIDependencies

    struct AccountRequest: Decodable {
        var kind: ProviderKind
        var config: [String: JSONValue]
        var sender: [String: String]?
        var ratePerSecond: Double?
        var burst: Int?
        var enabled: Bool?

        enum CodingKeys: String, CodingKey {
            case kind, config, sender, burst, enabled
            case ratePerSecond = "rate_per_second"
        }
    }

    func add(to group: RouterGroup<APIRequestContext>) {
        group.put("providers/{id}") { request, context in try await put(request, context) }
        group.get("providers") { _, context in try await list(context) }
        group.get("providers/{id}") { _, context in try await get(context) }
        group.delete("providers/{id}") { _, context in try await delete(context) }
    }

    func put(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let id = try accountID(context)
        let body = try await JSONBody.decode(
            AccountRequest.self, from: request,
            allowedKeys: ["kind", "config", "sender", "rate_per_second", "burst", "enabled"])
        if let rate = body.ratePerSecond, rate <= 0 {
            throw APIError(.badRequest, code: "invalid_rate", "\"rate_per_second\" must be greater than 0")
        }
        if let burst = body.burst, burst <= 0 {
            throw APIError(.badRequest, code: "invalid_burst", "\"burst\" must be greater than 0")
        }
        try ProviderAccountCheck(kind: body.kind, config: body.config, sender: body.sender ?? [:]).run()
        let configuration = try JSONEncoder().encode(body.config)
        guard let factory = dependencies.providerFactory else {
            throw APIError(
                .serviceUnavailable, code: "providers_unavailable", "this server was started without provider support")
        }
        do {
            _ = try await factory.makeProvider(
                accountID: id, kind: body.kind, configuration: configuration, logger: context.logger)
        } catch {
            throw APIError(
                .unprocessableContent, code: "invalid_provider_config",
                "the \(body.kind.rawValue) configuration is not usable: \(error)")
        }
        let sealed = Data(try dependencies.cipher.seal(String(decoding: configuration, as: UTF8.self)))
        let sender = String(decoding: try JSONEncoder().encode(body.sender ?? [:]), as: UTF8.self)
        let rows = try await dependencies.rows(
            """
            INSERT INTO notify.provider_accounts AS a
                (id, tenant_id, kind, channel, config_cipher, sender, rate_per_second, burst, enabled)
            VALUES (\(id), \(tenantID), \(body.kind.rawValue), \(body.kind.channel), \(sealed), \(sender)::jsonb,
                    \(body.ratePerSecond), \(body.burst), \(body.enabled ?? true))
            ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, channel = excluded.channel,
                config_cipher = excluded.config_cipher, sender = excluded.sender,
                rate_per_second = excluded.rate_per_second, burst = excluded.burst, enabled = excluded.enabled,
                updated_at = clock_timestamp()
            WHERE a.tenant_id = \(tenantID)
            RETURNING (xmax = 0)
            """)
        guard let created = try rows.first?.decode(Bool.self) else {
            throw APIError(.conflict, code: "provider_id_taken", "provider id \"\(id)\" is taken; choose another id")
        }
        let view = try await load(tenantID: tenantID, id: id).first ?? [:]
        return try APIResponse.json(view, status: created ? .created : .ok)
    }

    func list(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        return try APIResponse.json(["providers": try await load(tenantID: tenantID, id: nil)], status: .ok)
    }

    func get(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let id = try accountID(context)
        guard let view = try await load(tenantID: tenantID, id: id).first else {
            throw APIError.notFound("provider", id)
        }
        return try APIResponse.json(view, status: .ok)
    }

    func delete(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let id = try accountID(context)
        let rows = try await dependencies.rows(
            "DELETE FROM notify.provider_accounts WHERE id = \(id) AND tenant_id = \(tenantID) RETURNING id")
        guard !rows.isEmpty else { throw APIError.notFound("provider", id) }
        return Response(status: .noContent)
    }

    /// Accounts without their configuration, with their circuit state.
    func load(tenantID: String, id: String?) async throws -> [[String: Any]] {
        try await dependencies.rows(
            """
            SELECT a.id, a.kind, a.channel, a.sender::text, a.rate_per_second, a.burst, a.enabled,
                   coalesce(c.state, 'closed'), c.open_until, c.last_error, a.created_at, a.updated_at
            FROM notify.provider_accounts a LEFT JOIN notify.provider_circuits c ON c.account_id = a.id
            WHERE a.tenant_id = \(tenantID) AND (\(id ?? "") = '' OR a.id = \(id ?? ""))
            ORDER BY a.id
            """
        ).map { row in
            let (id, kind, channel, sender, rate, burst, enabled, state, openUntil, lastError, created, updated) =
                try row.decode(
                    (String, String, String, String, Double?, Int?, Bool, String, Date?, String?, Date, Date).self)
            var circuit: [String: Any] = ["state": state]
            if let openUntil { circuit["open_until"] = ISO8601.format(openUntil) }
            if let lastError { circuit["last_error"] = lastError }
            var view: [String: Any] = [
                "id": id, "kind": kind, "channel": channel, "enabled": enabled, "circuit": circuit,
                "sender": try JSONSerialization.jsonObject(with: Data(sender.utf8)),
                "created_at": ISO8601.format(created), "updated_at": ISO8601.format(updated),
            ]
            if let rate { view["rate_per_second"] = rate }
            if let burst { view["burst"] = burst }
            return view
        }
    }

    private func accountID(_ context: APIRequestContext) throws -> String {
        let id = context.parameters.get("id")?.removingPercentEncoding ?? ""
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789_-")
        guard (2...63).contains(id.count), id.allSatisfy({ allowed.contains($0) }), id.first != "_", id.first != "-"
        else {
            throw APIError(
                .badRequest, code: "invalid_provider_id",
                "provider id \"\(id.prefix(70))\" must be 2 to 63 lowercase letters, digits, '_' or '-', starting with a letter or digit"
            )
        }
        return id
    }
}
