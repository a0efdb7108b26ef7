import Foundation
import PostgresNIO

/// The JSON view of event subscriptions: never the secret.
enum EventSubscriptionView {
    /// The tenant's subscriptions (one when `id` is given), ordered by id.
    static func load(_ dependencies: APIDependencies, tenantID: String, id: String?) async throws -> [[String: Any]] {
        try await dependencies.rows(
            """
            SELECT id, url, kinds, enabled, cursor, in_flight, failures, last_error, created_at, updated_at
            FROM notify.event_subscriptions
            WHERE tenant_id = \(tenantID) AND (\(id ?? "") = '' OR id = \(id ?? ""))
            ORDER BY id
            """
        ).map { row in
            let (id, url, kinds, enabled, cursor, inFlight, failures, lastError, created, updated) = try row.decode(
                (String, String, [String], Bool, Int64, Bool, Int, String?, Date, Date).self)
            var view: [String: Any] = [
                "id": id, "url": url, "kinds": kinds, "enabled": enabled, "last_event_id": cursor,
                "in_flight": inFlight, "failures": failures,
                "created_at": ISO8601.format(created), "updated_at": ISO8601.format(updated),
            ]
            if let lastError { view["last_error"] = lastError }
            return view
        }
    }
}
