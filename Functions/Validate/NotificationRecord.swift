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
    struct Recipients: Sendable {
        var users: [String]?
        var topic: String?

        /// Reads the column's JSON text (`{"users": [...]}` or `{"topic": "..."}`); a member of
        /// another type is an error, an absent or null one is nil.
        init(json text: String) throws {
            let members = try JSONValue.object(parsing: text)
            switch members["users"] {
            case nil, .null?: users = nil
            case .array(let values)?:
                users = try values.map { value in
                    guard case .string(let user) = value else { throw Self.invalid("users", "an array of strings") }
                    return user
                }
            default: throw Self.invalid("users", "an array of strings")
            }
            switch members["topic"] {
            case nil, .null?: topic = nil
            case .string(let name)?: topic = name
            default: throw Self.invalid("topic", "a string")
            }
        }

        private static func invalid(_ member: String, _ expected: String) -> DecodingError {
            DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "recipients.\(member) must be \(expected)"))
        }
    }

    /// The category's columns, read with the notification (NULLs when it does not exist).
    var categoryColumns: CategoryFacts.Columns

    /// The notification's category; a missing one is a permanent `unknown_category` failure.
    func category() throws -> CategoryFacts {
        try CategoryFacts(key: categoryKey, columns: categoryColumns)
    }

    /// Reads the notifications of `inputs` with their categories, in one query: nil for an input
    /// whose notification does not exist for its tenant. An input whose row cannot be read gets
    /// its own failure.
    static func loadAll(
        _ inputs: [ValidateInput], context: FunctionContext
    ) async throws -> [Result<NotificationRecord?, any Error>] {
        let rows = try await context.database.query(
            """
            SELECT r.ord, n.status, n.category_key, n.template_key, n.recipients::text, n.channels, n.lane,
                   to_char(n.send_at_local, 'YYYY-MM-DD"T"HH24:MI:SS'), \(unescaped: CategoryFacts.joinedColumns)
            -- The arrays behind sub-selects, so the plan is the same for every batch size and is made
            -- once per connection (see AutoPreparedStatement); one lookup by key per input (OFFSET 0 keeps it
            -- a lookup, whatever the statistics say).
            FROM unnest((SELECT \(inputs.map(\.notificationID))::uuid[]), (SELECT \(inputs.map(\.tenantID))::text[]))
                 WITH ORDINALITY AS r(id, tenant_id, ord)
            CROSS JOIN LATERAL (
                SELECT n.* FROM notify.notifications n WHERE n.id = r.id AND n.tenant_id = r.tenant_id OFFSET 0
            ) n
            LEFT JOIN LATERAL (
                SELECT c.* FROM notify.categories c WHERE c.tenant_id = n.tenant_id AND c.key = n.category_key OFFSET 0
            ) c ON true
            """, logger: context.logger)
        var records = inputs.map { _ in Result<NotificationRecord?, any Error>.success(nil) }
        for row in rows {
            let v = try row.decode(
                (
                    Int64, String, String, String?, String, [String]?, String?, String?, String?, Bool?, [String]?,
                    String?, String?, String?, String?, Int?
                ).self)
            records[Int(v.0) - 1] = Result {
                NotificationRecord(
                    status: v.1, categoryKey: v.2, templateKey: v.3,
                    recipients: try Recipients(json: v.4),
                    channels: v.5, priority: v.6, sendAtLocal: try v.7.map { try LocalDateTime(parsing: $0) },
                    categoryColumns: (v.8, v.9, v.10, v.11, v.12, v.13, v.14, v.15))
            }
        }
        return records
    }
}
