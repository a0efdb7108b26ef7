import Foundation
import Hummingbird
import NotifyModel
import PostgresNIO

/// A tenant's provider route per channel: `PUT /v1/routes/{channel}` (replace), `GET /v1/routes/{channel}`.
///
/// ```json
/// {"providers": [{"provider": "twilio-main", "position": 0, "weight": 100, "cost_micros": 7900},
///                {"provider": "vonage-backup", "position": 1}]}
/// ```
/// Lower positions are tried first; providers sharing a position split traffic by weight; when one
/// is down the next position takes the same deliveries at once.
struct RouteRoutes: Sendable {
    let dependencies: APIDependencies

    struct RouteRequest: Decodable {
        struct Entry: Decodable {
            var provider: String
            var position: Int?
            var weight: Int?
            var costMicros: Int64?

            enum CodingKeys: String, CodingKey {
                case provider, position, weight
                case costMicros = "cost_micros"
            }
        }

        var providers: [Entry]
    }

    func add(to group: RouterGroup<APIRequestContext>) {
        group.put("routes/{channel}") { request, context in try await put(request, context) }
        group.get("routes/{channel}") { _, context in try await get(context) }
    }

    func put(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let channel = try routedChannel(context)
        let body = try await JSONBody.decode(RouteRequest.self, from: request, allowedKeys: ["providers"])
        for entry in body.providers {
            if let weight = entry.weight, weight < 0 {
                throw APIError(.badRequest, code: "invalid_weight", "\"weight\" must be 0 or more")
            }
            if let cost = entry.costMicros, cost < 0 {
                throw APIError(.badRequest, code: "invalid_cost", "\"cost_micros\" must be 0 or more")
            }
        }
        let ids = body.providers.map(\.provider)
        guard Set(ids).count == ids.count else {
            throw APIError(.badRequest, code: "duplicate_provider", "each provider may appear once in a route")
        }
        let known = try await dependencies.rows(
            """
            SELECT id FROM notify.provider_accounts
            WHERE tenant_id = \(tenantID) AND channel = \(channel.rawValue) AND id = ANY(\(ids)::text[])
            """
        ).map { try $0.decode(String.self) }
        if let missing = ids.first(where: { !known.contains($0) }) {
            throw APIError(
                .unprocessableContent, code: "unknown_provider",
                "provider \"\(missing)\" does not exist or does not serve \(channel.rawValue); create it with PUT /v1/providers/\(missing)"
            )
        }
        let positions = body.providers.enumerated().map { $0.element.position ?? $0.offset }
        let weights = body.providers.map { $0.weight ?? 100 }
        let costs = body.providers.map { $0.costMicros ?? 0 }
        try await dependencies.client.withTransaction(logger: dependencies.logger) { connection in
            try await connection.query(
                "DELETE FROM notify.provider_routes WHERE tenant_id = \(tenantID) AND channel = \(channel.rawValue)",
                logger: dependencies.logger)
            // Only the tenant's own accounts of this channel, checked again here: the check above
            // ran outside this transaction.
            let inserted = try await connection.query(
                """
                INSERT INTO notify.provider_routes (tenant_id, channel, account_id, position, weight, cost_micros)
                SELECT \(tenantID), \(channel.rawValue), r.account, r.position, r.weight, r.cost
                FROM unnest(\(ids)::text[], \(positions)::integer[], \(weights)::integer[], \(costs)::bigint[])
                     AS r(account, position, weight, cost)
                JOIN notify.provider_accounts a
                  ON a.id = r.account AND a.tenant_id = \(tenantID) AND a.channel = \(channel.rawValue)
                RETURNING account_id
                """, logger: dependencies.logger
            ).collect()
            guard inserted.count == ids.count else {
                throw APIError(
                    .conflict, code: "provider_changed",
                    "a provider of this route was deleted or changed while the route was saved; retry")
            }
        }
        return try APIResponse.json(try await load(tenantID: tenantID, channel: channel), status: .ok)
    }

    func get(_ context: APIRequestContext) async throws -> Response {
        let tenantID = try context.requireTenant()
        let channel = try routedChannel(context)
        return try APIResponse.json(try await load(tenantID: tenantID, channel: channel), status: .ok)
    }

    func load(tenantID: String, channel: NotifyModel.Channel) async throws -> [String: Any] {
        let entries = try await dependencies.rows(
            """
            SELECT account_id, position, weight, cost_micros FROM notify.provider_routes
            WHERE tenant_id = \(tenantID) AND channel = \(channel.rawValue) ORDER BY position, account_id
            """
        ).map { row -> [String: Any] in
            let (account, position, weight, cost) = try row.decode((String, Int, Int, Int64).self)
            return ["provider": account, "position": position, "weight": weight, "cost_micros": cost]
        }
        return ["channel": channel.rawValue, "providers": entries]
    }

    private func routedChannel(_ context: APIRequestContext) throws -> NotifyModel.Channel {
        let name = context.parameters.get("channel") ?? ""
        let channel = try ContactCheck.run { () throws(ModelError) in try NotifyModel.Channel.parse(name) }
        guard channel != .inapp else {
            throw APIError(.badRequest, code: "inapp_not_routed", "the inapp channel is built in and has no providers")
        }
        return channel
    }
}
