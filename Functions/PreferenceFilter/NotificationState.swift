import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// The notification-level facts `preference-filter` needs: its category, whether it was cancelled,
/// and whether it is a released digest.
struct NotificationState: Sendable {
    var category: CategoryFacts
    var cancelled: Bool
    var isDigestRelease = false

    static func load(_ batch: DeliveryBatch, context: FunctionContext) async throws -> NotificationState {
        let rows = try await context.database.query(
            """
            SELECT category_key, status, digest_id IS NOT NULL FROM notify.notifications
            WHERE id = \(batch.notificationID) AND tenant_id = \(batch.tenantID)
            """, logger: context.logger)
        guard let row = rows.first else {
            throw FunctionError(
                .permanent, code: "notification_not_found", "notification \(batch.notificationID) does not exist")
        }
        let (categoryKey, status, isDigest) = try row.decode((String, String, Bool).self)
        let category = try await CategoryFacts.load(tenantID: batch.tenantID, key: categoryKey, context: context)
        return NotificationState(category: category, cancelled: status == "cancelled", isDigestRelease: isDigest)
    }
}
