import Foundation
import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// The reads of `validate`, each shared by concurrent jobs through a
/// ``NotifyFunctionKit/RequestCoalescer``: the notification with its category, the channels its
/// template key can deliver, and the users named by external id.
struct ValidateReads: Sendable {
    /// One page of external ids of a tenant's users.
    struct UserPage: Sendable {
        var tenantID: String
        var externalIDs: [String]
    }

    /// A tenant's template key.
    struct TemplateKey: Sendable {
        var tenantID: String
        var key: String
    }

    let notifications = RequestCoalescer<ValidateInput, Result<NotificationRecord?, any Error>>(
        fetch: NotificationRecord.loadAll)
    let routing = RequestCoalescer<TemplateKey, [String: Bool]>(fetch: Self.routing)
    let users = RequestCoalescer<UserPage, [String: Int64]>(fetch: Self.users)

    /// Per template key, its channels with an active template, and whether each can be delivered:
    /// in-app always, the others when the tenant routes them through a provider.
    static func routing(_ keys: [TemplateKey], context: FunctionContext) async throws -> [[String: Bool]] {
        let rows = try await context.database.query(
            """
            SELECT r.ord, t.channel,
                   bool_or(t.channel = 'inapp' OR EXISTS (
                       SELECT 1 FROM notify.provider_routes p
                       JOIN notify.provider_accounts a ON a.id = p.account_id AND a.tenant_id = p.tenant_id AND a.enabled
                       WHERE p.tenant_id = t.tenant_id AND p.channel = t.channel))
            FROM unnest(\(keys.map(\.tenantID))::text[], \(keys.map(\.key))::text[]) WITH ORDINALITY
                 AS r(tenant_id, key, ord)
            JOIN notify.templates t ON t.tenant_id = r.tenant_id AND t.key = r.key AND t.active
            GROUP BY r.ord, t.channel
            """, logger: context.logger)
        var routed = [[String: Bool]](repeating: [:], count: keys.count)
        for row in rows {
            let (ord, channel, isRouted) = try row.decode((Int64, String, Bool).self)
            routed[Int(ord) - 1][channel] = isRouted
        }
        return routed
    }

    /// Per page, the ids of the users it names that exist, by external id. The arrays go behind
    /// sub-selects, so the statement is planned once per connection (see
    /// ``NotifyFunctionKit/AutoPreparedStatement``).
    static func users(_ pages: [UserPage], context: FunctionContext) async throws -> [[String: Int64]] {
        var ords: [Int64] = []
        var tenants: [String] = []
        var externalIDs: [String] = []
        for (index, page) in pages.enumerated() {
            for external in Set(page.externalIDs) {
                ords.append(Int64(index))
                tenants.append(page.tenantID)
                externalIDs.append(external)
            }
        }
        var found = [[String: Int64]](repeating: [:], count: pages.count)
        guard !ords.isEmpty else { return found }
        let rows = try await context.database.query(
            """
            SELECT r.ord, u.id, u.external_id
            FROM unnest((SELECT \(ords)::bigint[]), (SELECT \(tenants)::text[]), (SELECT \(externalIDs)::text[]))
                 AS r(ord, tenant_id, external_id)
            CROSS JOIN LATERAL (SELECT u.id, u.external_id FROM notify.users u
                                WHERE u.tenant_id = r.tenant_id AND u.external_id = r.external_id OFFSET 0) u
            """, logger: context.logger)
        for row in rows {
            let (ord, id, external) = try row.decode((Int64, Int64, String).self)
            found[Int(ord)][external] = id
        }
        return found
    }
}
