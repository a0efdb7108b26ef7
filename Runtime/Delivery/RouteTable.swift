import Foundation
import Logging
import NotifyFunctionKit
import NotifyModel
import NotifyProviders
import PostgresNIO

/// A tenant's route for one channel as stored: candidates with their circuits, and each
/// account's encrypted configuration.
public struct RouteTable: Sendable {
    /// The candidates, in no particular order (``RoutePlanner`` orders them).
    public var candidates: [RouteCandidate]
    /// Each account's configuration ciphertext.
    public var configCiphers: [String: [UInt8]]

    /// Loads the enabled accounts routed for `channel`, with their circuits, in one query.
    public static func load(
        tenantID: String, channel: NotifyModel.Channel, client: PostgresClient, logger: Logger
    ) async throws -> RouteTable {
        try await loadAll(
            [Key(tenantID: tenantID, channel: channel)], database: FunctionDatabase(client: client), logger: logger)[0]
    }

    /// A tenant's channel.
    public struct Key: Sendable {
        public var tenantID: String
        public var channel: NotifyModel.Channel

        /// Creates a key.
        public init(tenantID: String, channel: NotifyModel.Channel) {
            self.tenantID = tenantID
            self.channel = channel
        }
    }

    /// Loads the routes of `keys` in one query, one table per key, in order.
    public static func loadAll(_ keys: [Key], database: FunctionDatabase, logger: Logger) async throws -> [RouteTable] {
        let rows = try await database.query(
            """
            SELECT k.ord, a.id, a.kind, r.position, r.weight, r.cost_micros, a.rate_per_second, a.burst, a.sender::text,
                   a.updated_at, a.config_cipher, coalesce(c.state, 'closed'), c.open_until, c.probe_until,
                   coalesce(c.consecutive_failures, 0), coalesce(c.accepted_revision = a.updated_at, false)
            FROM unnest(\(keys.map(\.tenantID))::text[], \(keys.map(\.channel.rawValue))::text[]) WITH ORDINALITY
                 AS k(tenant_id, channel, ord)
            JOIN notify.provider_routes r ON r.tenant_id = k.tenant_id AND r.channel = k.channel
            JOIN notify.provider_accounts a ON a.id = r.account_id AND a.tenant_id = r.tenant_id
            LEFT JOIN notify.provider_circuits c ON c.account_id = a.id
            WHERE a.enabled
            """, logger: logger)
        var tables = keys.map { _ in RouteTable(candidates: [], configCiphers: [:]) }
        for row in rows {
            let (
                ord, id, kind, position, weight, cost, rate, burst, sender, revision, config, state, openUntil,
                probeUntil,
                failures, proven
            ) =
                try row.decode(
                    (
                        Int64, String, String, Int, Int, Int64, Double?, Int?, String, Date, Data, String, Date?, Date?,
                        Int, Bool
                    )
                    .self)
            guard let providerKind = ProviderKind(rawValue: kind) else { continue }
            let senderFields = Self.senderFields(sender)
            let index = Int(ord) - 1
            tables[index].candidates.append(
                RouteCandidate(
                    accountID: id, kind: providerKind, position: position, weight: weight, costMicros: cost,
                    ratePerSecond: rate, burst: burst, sender: senderFields, revision: revision,
                    circuit: CircuitSnapshot(
                        state: CircuitSnapshot.State(rawValue: state) ?? .closed, openUntil: openUntil,
                        probeUntil: probeUntil, consecutiveFailures: failures, acceptedInCurrentConfiguration: proven)))
            tables[index].configCiphers[id] = Array(config)
        }
        return tables
    }

    /// An account's sender fields (`{"from": "+15550100"}`, say) from their stored JSON text;
    /// none when the text is not an object of strings.
    static func senderFields(_ text: String) -> [String: String] {
        guard let members = try? JSONValue.object(parsing: text) else { return [:] }
        var fields: [String: String] = [:]
        fields.reserveCapacity(members.count)
        for (key, value) in members {
            guard case .string(let string) = value else { return [:] }
            fields[key] = string
        }
        return fields
    }
}
