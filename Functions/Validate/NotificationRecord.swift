import Foundation
import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// The parts of a notification row that `validate` reads.
struct NotificationRecord: Sendable {
    var status: String
    var categoryKey: String
    var templateKey: String?
    var recipients: Recipients
    var channels: [String]?
    var priority: String?
    /// The wall-clock time of a local-time send, released per recipient (``LocalRelease``).
    var sendAtLocal: LocalDateTime?

    /// Who a notification is for, as stored in `notify.notifications.recipients`.
    struct Recipients: Decodable, Sendable {
        var users: [String]?
        var topic: String?
    }

    /// The category's columns, read with the notification (NULLs when it does not exist).
    var categoryColumns: CategoryFacts.Columns

    /// The notification's category; a missing one is a permanent `unknown_category` failure.
    func category() throws -> CategoryFacts {
        try CategoryFacts(key: categoryKey, columns: categoryColumns)
    }

    /// Reads the notification and its category in one query.
    static func load(_ input: ValidateInput, context: FunctionContext) async throws -> NotificationRecord? {
        let rows = try await context.database.query(
            """
            SELECT n.status, n.category_key, n.template_key, n.recipients::text, n.channels, n.lane,
                   to_char(n.send_at_local, 'YYYY-MM-DD"T"HH24:MI:SS'), \(unescaped: CategoryFacts.joinedColumns)
            FROM notify.notifications n
            LEFT JOIN notify.categories c ON c.tenant_id = n.tenant_id AND c.key = n.category_key
            WHERE n.id = \(input.notificationID) AND n.tenant_id = \(input.tenantID)
            """, logger: context.logger)
        guard let row = rows.first else { return nil }
        let v = try row.decode(
            (
                String, String, String?, String, [String]?, String?, String?, String?, Bool?, [String]?, String?,
                String?,
                String?, String?
            ).self)
        return NotificationRecord(
            status: v.0, categoryKey: v.1, templateKey: v.2,
            recipients: try JSONDecoder().decode(Recipients.self, from: Data(v.3.utf8)),
            channels: v.4, priority: v.5, sendAtLocal: try v.6.map { try LocalDateTime(parsing: $0) },
            categoryColumns: (v.7, v.8, v.9, v.10, v.11, v.12, v.13))
    }
}
