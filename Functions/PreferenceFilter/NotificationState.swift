import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// The notification-level facts `preference-filter` needs: its category, whether it was cancelled,
/// and whether it is a released digest.
struct NotificationState: Sendable {
    var category: CategoryFacts
    var cancelled: Bool
    var isDigestRelease = false
    /// Whether the category falls back from this channel after a time limit (see
    /// ``NotifyModel/DeliveryBatch/timedFallback``).
    var timedFallback = true

    /// Reads the notification and its category in one query.
    static func load(_ batch: DeliveryBatch, context: FunctionContext) async throws -> NotificationState {
        let rows = try await context.database.query(
            """
            SELECT n.category_key, n.status, n.digest_id IS NOT NULL, \(unescaped: CategoryFacts.joinedColumns),
                   coalesce(jsonb_typeof(c.fallback -> \(batch.channel.rawValue)) = 'object'
                            AND c.fallback -> \(batch.channel.rawValue) ? 'after_seconds', false)
            FROM notify.notifications n
            LEFT JOIN notify.categories c ON c.tenant_id = n.tenant_id AND c.key = n.category_key
            WHERE n.id = \(batch.notificationID) AND n.tenant_id = \(batch.tenantID)
            """, logger: context.logger)
        guard let row = rows.first else {
            throw FunctionError(
                .permanent, code: "notification_not_found", "notification \(batch.notificationID) does not exist")
        }
        let (categoryKey, status, isDigest, kind, critical, channels, template, unknown, cap, digest, timed) =
            try row.decode(
                (String, String, Bool, String?, Bool?, [String]?, String?, String?, String?, String?, Bool).self)
        let category = try CategoryFacts(
            key: categoryKey, columns: (kind, critical, channels, template, unknown, cap, digest))
        return NotificationState(
            category: category, cancelled: status == "cancelled", isDigestRelease: isDigest, timedFallback: timed)
    }
}
