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

    static func load(_ input: ValidateInput, context: FunctionContext) async throws -> NotificationRecord? {
        let rows = try await context.database.query(
            """
            SELECT status, category_key, template_key, recipients::text, channels, lane,
                   to_char(send_at_local, 'YYYY-MM-DD"T"HH24:MI:SS')
            FROM notify.notifications WHERE id = \(input.notificationID) AND tenant_id = \(input.tenantID)
            """, logger: context.logger)
        guard let row = rows.first else { return nil }
        let (status, category, template, recipients, channels, lane, local) = try row.decode(
            (String, String, String?, String, [String]?, String?, String?).self)
        return NotificationRecord(
            status: status, categoryKey: category, templateKey: template,
            recipients: try JSONDecoder().decode(Recipients.self, from: Data(recipients.utf8)),
            channels: channels, priority: lane, sendAtLocal: try local.map { try LocalDateTime(parsing: $0) })
    }
}
