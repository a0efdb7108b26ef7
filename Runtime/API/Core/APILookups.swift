import Foundation
import Logging
import NotifyFunctionKit
import PostgresNIO

/// Who asks, for the API's coalescers (see ``NotifyFunctionKit/Coalescer``).
struct APICaller: CoalescingContext {
    /// True for requests that must not wait behind others' (critical notifications).
    var goesAlone = false
    var logger: Logger
}

/// The reads every API request makes, shared by concurrent requests: an API key's record, and the
/// facts `POST /v1/notifications` checks.
struct APILookups: Sendable {
    /// An API key's tenant, hash, revocation and the tenant's request rate.
    struct KeyRecord: Sendable {
        var tenantID: String
        var secretHash: Data
        var revoked: Bool
        var requestsPerSecond: Int
    }

    /// What a notification request names, for its checks.
    struct CheckQuery: Sendable {
        var tenantID: String
        var category: String
        var template: String?
        var topic: String?
        var users: [String]
    }

    /// What the database says about a ``CheckQuery``; nil when the category does not exist.
    struct CheckFacts: Sendable {
        var categoryTemplate: String
        var kind: String
        var critical: Bool
        var templateActive: Bool
        var topicExists: Bool
        var foundUsers: [String]
    }

    let keys: Coalescer<String, KeyRecord?, APICaller>
    let checks: Coalescer<CheckQuery, CheckFacts?, APICaller>

    init(client: PostgresClient) {
        keys = Coalescer { ids, caller in try await Self.keys(ids, client: client, logger: caller.logger) }
        checks = Coalescer { queries, caller in try await Self.checks(queries, client: client, logger: caller.logger) }
    }

    /// The records of the keys `ids`, in order (nil for an unknown key).
    static func keys(_ ids: [String], client: PostgresClient, logger: Logger) async throws -> [KeyRecord?] {
        let rows = try await AutoPreparedStatement.run(
            """
            SELECT r.ord, k.tenant_id, k.secret_hash, k.revoked_at IS NOT NULL, t.requests_per_second
            FROM unnest(\(ids)::text[]) WITH ORDINALITY AS r(id, ord)
            JOIN notify.api_keys k ON k.id = r.id
            JOIN notify.tenants t ON t.id = k.tenant_id
            """, on: client, logger: logger)
        var records = [KeyRecord?](repeating: nil, count: ids.count)
        for row in rows {
            let (ord, tenantID, hash, revoked, rate) = try row.decode((Int64, String, Data, Bool, Int32).self)
            records[Int(ord) - 1] = KeyRecord(
                tenantID: tenantID, secretHash: hash, revoked: revoked, requestsPerSecond: Int(rate))
        }
        return records
    }

    /// The facts of `queries`, in order, in one round trip: each category's template, whether that
    /// template (or the requested one) has an active version, whether the topic exists, and which
    /// of the users exist.
    ///
    /// The arrays go behind sub-selects and each row is looked up by key, so the statement is
    /// planned once per connection (see ``NotifyFunctionKit/AutoPreparedStatement``): bound
    /// directly, its planning took twice as long as running it, on every request.
    static func checks(_ queries: [CheckQuery], client: PostgresClient, logger: Logger) async throws -> [CheckFacts?] {
        var userOrds: [Int64] = []
        var userTenants: [String] = []
        var userIDs: [String] = []
        for (index, query) in queries.enumerated() {
            for user in Set(query.users) {
                userOrds.append(Int64(index + 1))
                userTenants.append(query.tenantID)
                userIDs.append(user)
            }
        }
        let rows = try await AutoPreparedStatement.run(
            """
            WITH found AS (
                SELECT f.ord, array_agg(u.external_id) AS users
                FROM unnest((SELECT \(userOrds)::bigint[]), (SELECT \(userTenants)::text[]), (SELECT \(userIDs)::text[]))
                     AS f(ord, tenant_id, external_id)
                CROSS JOIN LATERAL (SELECT u.external_id FROM notify.users u
                                    WHERE u.tenant_id = f.tenant_id AND u.external_id = f.external_id OFFSET 0) u
                GROUP BY f.ord
            )
            SELECT q.ord, c.template_key, c.kind, c.critical,
                   EXISTS (SELECT 1 FROM notify.templates t WHERE t.tenant_id = c.tenant_id
                           AND t.key = coalesce(nullif(q.template, ''), c.template_key) AND t.active),
                   q.topic = '' OR EXISTS (SELECT 1 FROM notify.topics p
                                           WHERE p.tenant_id = c.tenant_id AND p.key = q.topic),
                   coalesce(found.users, '{}')
            FROM unnest((SELECT \(queries.map(\.tenantID))::text[]), (SELECT \(queries.map(\.category))::text[]),
                        (SELECT \(queries.map { $0.template ?? "" })::text[]),
                        (SELECT \(queries.map { $0.topic ?? "" })::text[]))
                 WITH ORDINALITY AS q(tenant_id, category, template, topic, ord)
            CROSS JOIN LATERAL (SELECT c.tenant_id, c.template_key, c.kind, c.critical FROM notify.categories c
                                WHERE c.tenant_id = q.tenant_id AND c.key = q.category OFFSET 0) c
            LEFT JOIN found ON found.ord = q.ord
            """, on: client, logger: logger)
        var facts = [CheckFacts?](repeating: nil, count: queries.count)
        for row in rows {
            let (ord, template, kind, critical, templateActive, topicExists, found) = try row.decode(
                (Int64, String, String, Bool, Bool, Bool, [String]).self)
            facts[Int(ord) - 1] = CheckFacts(
                categoryTemplate: template, kind: kind, critical: critical, templateActive: templateActive,
                topicExists: topicExists, foundUsers: found)
        }
        return facts
    }

}
