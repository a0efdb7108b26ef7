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

    var json: [String: Any] {
        var json: [String: Any] = [
            "id": String(id), "notification_id": notificationID.uuidString.lowercased(), "category": category,
            "read": readAt != nil, "archived": archivedAt != nil, "created_at": ISO8601.format(createdAt),
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
            let (id, notification, category, title, body, action, read, archived, created) = try row.decode(
                (Int64, UUID, String, String?, String?, String?, Date?, Date?, Date).self)
            return InboxItem(
                id: id, notificationID: notification, category: category, title: title, body: body,
                actionURL: action, readAt: read, archivedAt: archived, createdAt: created)
        }
    }
}
