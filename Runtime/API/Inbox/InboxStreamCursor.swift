import PostgresNIO

/// Where one live inbox stream (`GET /v1/inbox/stream`) is: the new items and the changes it
/// sent, and the counts it last showed. Each page holds, as Server-Sent Events:
/// - an `item` event per new item;
/// - a `changed` event per item marked seen, unseen, read, unread, archived or unarchived since,
///   with its new state;
/// - an `unread` event with the unread and unseen counts (``InboxCounts``) when they differ from
///   the ones last shown.
///
/// Items and changes committed out of order are still sent (``InboxSentWindow``). `item` and
/// `changed` events carry the two floors as their `id`, `<item floor>:<change floor>`, so a client
/// that reconnects with `Last-Event-ID` gets the items and the changes it missed; it may get again
/// some sent in the last seconds, which their item ids tell (``resumePoint(_:)``).
struct InboxStreamCursor: Sendable {
    /// Items and changes read per page.
    static let pageSize = 100
    /// How long after sending an item or a change the stream looks for lower numbers that commit
    /// late: at least 5 s, and until every transaction that may have held one has ended, for at
    /// most 10 minutes; at most 1,000 numbers are remembered.
    static let settleRules = InboxSentWindow.Rules(settleTime: .seconds(5), longest: .seconds(600), limit: 1_000)

    let user: InboxUser
    var items: InboxSentWindow
    var changes: InboxSentWindow
    var lastCounts: InboxCounts?

    init(user: InboxUser, itemFloor: Int64, changeFloor: Int64) {
        self.user = user
        self.items = InboxSentWindow(floor: itemFloor)
        self.changes = InboxSentWindow(floor: changeFloor)
    }

    /// The stream's place, as its events' `id`: `<item floor>:<change floor>`.
    var eventID: String { "\(items.floor):\(changes.floor)" }

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
        let now = ContinuousClock.now
        // Taken before the reads: whatever a transaction that had ended by then wrote, they see.
        let horizon = try await TransactionHorizon.load(dependencies: dependencies)
        let newItems = try await InboxItem.load(
            """
            SELECT \(unescaped: InboxItem.columns) FROM notify.inbox_items
            WHERE user_id = \(user.userID) AND tenant_id = \(user.tenantID) AND id > \(items.floor)
              AND id <> ALL(\(items.sentAboveFloor))
            ORDER BY id LIMIT \(Self.pageSize)
            """, dependencies: dependencies)
        var text = ""
        for item in newItems {
            items.record(item.id, at: now, readAfter: horizon)
            text += "id: \(eventID)\nevent: item\ndata: \(try item.jsonText())\n\n"
        }
        let changed = try await InboxItem.changes(
            user: user, after: changes.floor, excluding: changes.sentAboveFloor, limit: Self.pageSize,
            dependencies: dependencies)
        for (sequence, item) in changed {
            changes.record(sequence, at: now, readAfter: horizon)
            text += "id: \(eventID)\nevent: changed\ndata: \(try item.jsonText())\n\n"
        }
        // After the reads, so that a number whose transaction has ended was read before the floor
        // passes it.
        items.settle(now: now, horizon: horizon, rules: Self.settleRules)
        changes.settle(now: now, horizon: horizon, rules: Self.settleRules)
        let counts = try await InboxCounts.load(user, dependencies: dependencies)
        if counts != lastCounts {
            text += "event: unread\ndata: \(counts.jsonText)\n\n"
            lastCounts = counts
        }
        return (text, newItems.count == Self.pageSize || changed.count == Self.pageSize)
    }
}
