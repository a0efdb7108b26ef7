import Foundation
import Logging
import PostgresNIO

/// A notification's status and timeline as JSON, for `notify status`.
public enum NotificationStatus {
    /// The same document `GET /v1/notifications/{id}` answers, or nil when the tenant has no such
    /// notification.
    public static func json(id: UUID, tenantID: String, client: PostgresClient, logger: Logger) async throws -> String?
    {
        guard let view = try await NotificationView.load(id: id, tenantID: tenantID, client: client, logger: logger)
        else {
            return nil
        }
        let data = try JSONSerialization.data(
            withJSONObject: view.json, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
