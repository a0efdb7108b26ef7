import Foundation
import NotifyFunctionKit
import PostgresNIO

/// One inbox item as the inbox API shows it.
struct InboxItem: Sendable {
    var id: Int64
    var notificationID: UUID
    var category: String
    var title: String?
    var body: String?
    var actionURL: String?
    var readAt: Date?
    var archivedAt: Date?
    var createdAt: Date
    var seenAt: Date?

    /// The columns ``load(_:dependencies:)`` reads, in its order.
    static let columns =
        "id, notification_id, category_key, title, body, action_url, read_at, archived_at, created_at, seen_at"

    var json: [String: Any] {
        var json: [String: Any] = [
            "id": String(id), "notification_id": notificationID.uuidString.lowercased(), "category": category,
            "seen": seenAt != nil || readAt != nil, "read": readAt != nil, "archived": archivedAt != nil,
            "created_at": ISO8601.format(createdAt),
        ]
        if let title { json["title"] = title }
        if let body { json["body"] = body }
        if let actionURL { json["action_url"] = actionURL }
        return json
    }

    func jsonText() throws -> String {
        String(decoding: try SortedJSON.data(json, escapingSlashes: true), as: UTF8.self)
    }

    static func load(_ query: PostgresQuery, dependencies: APIDependencies) async throws -> [InboxItem] {
        try await dependencies.rows(query).map { row in
            let (id, notification, category, title, body, action, read, archived, created, seen) = try row.decode(
                (Int64, UUID, String, String?, String?, String?, Date?, Date?, Date, Date?).self)
            return InboxItem(
                id: id, notificationID: notification, category: category, title: title, body: body,
                actionURL: action, readAt: read, archivedAt: archived, createdAt: created, seenAt: seen)
        }
    }

    /// The user's items changed after `after` (``InboxRoutes``' `changed_seq`), leaving out the
    /// change numbers in `excluded`, in the order they changed, each with its change number.
    static func changes(
        user: InboxUser, after: Int64, excluding excluded: [Int64], limit: Int, dependencies: APIDependencies
    ) async throws -> [(Int64, InboxItem)] {
        try await dependencies.rows(
            """
            SELECT changed_seq, \(unescaped: columns) FROM notify.inbox_items
            WHERE user_id = \(user.userID) AND tenant_id = \(user.tenantID) AND changed_seq > \(after)
              AND changed_seq <> ALL(\(excluded))
            ORDER BY changed_seq LIMIT \(limit)
            """
        ).map { row in
            let (sequence, id, notification, category, title, body, action, read, archived, created, seen) =
                try row.decode((Int64, Int64, UUID, String, String?, String?, String?, Date?, Date?, Date, Date?).self)
            return (
                sequence,
                InboxItem(
                    id: id, notificationID: notification, category: category, title: title, body: body,
                    actionURL: action, readAt: read, archivedAt: archived, createdAt: created, seenAt: seen)
            )
        }
    }
}
