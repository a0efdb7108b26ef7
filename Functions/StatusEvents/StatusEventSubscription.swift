import Foundation
import NotifyFunctionKit
import PostgresNIO

/// What `deliver-status-events` reads of a subscription.
struct StatusEventSubscription: Sendable {
    let tenantID: String
    let id: String
    let url: String
    let secretCipher: [UInt8]
    /// Event kinds to deliver; empty means every kind.
    let kinds: Set<String>
    /// The last event id handled.
    let cursor: Int64
    let enabled: Bool

    /// The subscription, or nil when it was deleted.
    static func load(
        _ input: StatusEventsFunction.Input, context: FunctionContext
    ) async throws -> StatusEventSubscription? {
        let rows = try await context.database.query(
            """
            SELECT url, secret_cipher, kinds, cursor, enabled FROM notify.event_subscriptions
            WHERE tenant_id = \(input.tenantID) AND id = \(input.subscriptionID)
            """, logger: context.logger)
        guard let row = rows.first else { return nil }
        let (url, secret, kinds, cursor, enabled) = try row.decode((String, Data, [String], Int64, Bool).self)
        return StatusEventSubscription(
            tenantID: input.tenantID, id: input.subscriptionID, url: url, secretCipher: Array(secret),
            kinds: Set(kinds), cursor: cursor, enabled: enabled)
    }
}
