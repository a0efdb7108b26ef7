import PostgresNIO

/// Where one live inbox stream (`GET /v1/inbox/stream`) is: the last new item it sent, the last
/// change it sent, and the counts it last showed. Each page holds, as Server-Sent Events:
/// - an `item` event per new item, with the item id as its `id` (so `Last-Event-ID` resumes);
/// - a `changed` event per item marked seen, unseen, read, unread, archived or unarchived since,
///   with its new state and no `id` line, so `Last-Event-ID` stays the last new item's;
/// - an `unread` event with the unread and unseen counts (``InboxCounts``) when they differ from
///   the ones last shown.
struct InboxStreamCursor: Sendable {
    /// Items and changes read per page.
    static let pageSize = 100

    let user: InboxUser
    var lastItemID: Int64
    var lastChange: Int64
    var lastCounts: InboxCounts?

    init(user: InboxUser, lastItemID: Int64, lastChange: Int64) {
        self.user = user
        self.lastItemID = lastItemID
        self.lastChange = lastChange
    }

    /// The next page's events (empty when nothing changed), and whether more may be waiting.
    mutating func nextPage(dependencies: APIDependencies) async throws -> (text: String, more: Bool) {
        let items = try await InboxItem.load(
            """
            SELECT \(unescaped: InboxItem.columns) FROM notify.inbox_items
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
        let counts = try await InboxCounts.load(user, dependencies: dependencies)
        if counts != lastCounts {
            text += "event: unread\ndata: \(counts.jsonText)\n\n"
            lastCounts = counts
        }
        return (text, items.count == Self.pageSize || changed.count == Self.pageSize)
    }
}
