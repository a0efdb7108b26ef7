import PostgresNIO

/// Where one live inbox stream (`GET /v1/inbox/stream`) is: the last new item it sent, the last
/// change it sent, and the unread count it last showed. Each page holds, as Server-Sent Events:
/// - an `item` event per new item, with the item id as its `id` (so `Last-Event-ID` resumes);
/// - a `changed` event per item marked read, unread, archived or unarchived since, with its new
///   state and no `id` line, so `Last-Event-ID` stays the last new item's;
/// - an `unread` event when the count differs from the one last shown.
struct InboxStreamCursor: Sendable {
    /// Items and changes read per page.
    static let pageSize = 100

    let user: InboxUser
    var lastItemID: Int64
    var lastChange: Int64
    var lastUnread = -1

    init(user: InboxUser, lastItemID: Int64, lastChange: Int64) {
        self.user = user
        self.lastItemID = lastItemID
        self.lastChange = lastChange
    }

    /// The next page's events (empty when nothing changed), and whether more may be waiting.
    mutating func nextPage(dependencies: APIDependencies) async throws -> (text: String, more: Bool) {
        let items = try await InboxItem.load(
            """
            SELECT id, notification_id, category_key, title, body, action_url, read_at, archived_at, created_at
            FROM notify.inbox_items
            WHERE user_id = \(user.userID) AND tenant_id = \(user.tenantID) AND id > \(lastItemID)
            ORDER BY id LIMIT \(Self.pageSize)
            """, dependencies: dependencies)
        var text = ""
        for item in items {
            text += "id: \(item.id)\nevent: item\ndata: \(try item.jsonText())\n\n"
            lastItemID = item.id
        }
        let changed = try await InboxItem.changes(
            user: user, after: lastChange, limit: Self.pageSize, dependencies: dependencies)
        for (sequence, item) in changed {
            text += "event: changed\ndata: \(try item.jsonText())\n\n"
            lastChange = sequence
        }
        let count = try await InboxRoutes(dependencies: dependencies).unread(user)
        if count != lastUnread {
            text += "event: unread\ndata: {\"unread\":\(count)}\n\n"
            lastUnread = count
        }
        return (text, items.count == Self.pageSize || changed.count == Self.pageSize)
    }
}
