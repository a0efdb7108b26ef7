import PostgresNIO

/// Where one live inbox stream (`GET /v1/inbox/stream`) is: the last new item it sent, the last
/// change it sent, and the counts it last showed. Each page holds, as Server-Sent Events:
/// - an `item` event per new item;
/// - a `changed` event per item marked seen, unseen, read, unread, archived or unarchived since,
///   with its new state;
/// - an `unread` event with the unread and unseen counts (``InboxCounts``) when they differ from
///   the ones last shown.
///
/// `item` and `changed` events carry the cursor as their `id`, `<last item id>:<last change>`, so
/// a client that reconnects with `Last-Event-ID` gets both the items and the changes it missed
/// (``resumePoint(_:)``).
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

    /// The stream's place, as its events' `id`: `<last item id>:<last change>`.
    var eventID: String { "\(lastItemID):\(lastChange)" }

    /// Where a reconnecting client resumes, from its `Last-Event-ID` header (or `?after=`): an
    /// event id of the stream (`42:17`: items after 42, changes after 17), or an item id alone
    /// (`42`: items after 42; changes from now on, `change` nil).
    ///
    /// - Throws: 400 `invalid_last_event_id` for anything else.
    static func resumePoint(_ text: String) throws -> (item: Int64, change: Int64?) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let numbers = parts.compactMap { Int64($0) }.filter { $0 >= 0 }
        switch (parts.count, numbers.count) {
        case (1, 1): return (numbers[0], nil)
        case (2, 2): return (numbers[0], numbers[1])
        default:
            throw APIError(
                .badRequest, code: "invalid_last_event_id",
                "Last-Event-ID (or after) must be an id of this stream's events, such as 42:17, or an item id; "
                    + "reconnect without it to start from now")
        }
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
            lastItemID = item.id
            text += "id: \(eventID)\nevent: item\ndata: \(try item.jsonText())\n\n"
        }
        let changed = try await InboxItem.changes(
            user: user, after: lastChange, limit: Self.pageSize, dependencies: dependencies)
        for (sequence, item) in changed {
            lastChange = sequence
            text += "id: \(eventID)\nevent: changed\ndata: \(try item.jsonText())\n\n"
        }
        let counts = try await InboxCounts.load(user, dependencies: dependencies)
        if counts != lastCounts {
            text += "event: unread\ndata: \(counts.jsonText)\n\n"
            lastCounts = counts
        }
        return (text, items.count == Self.pageSize || changed.count == Self.pageSize)
    }
}
