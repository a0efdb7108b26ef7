import PostgresNIO

/// A user's badge numbers, counted from the items themselves so they cannot drift: `unread`, the
/// items not archived and not read, and `unseen`, those of them not yet seen either (the feed has
/// not shown them). Read implies seen, so unseen items are always among the unread ones, and both
/// are counted through the `inbox_unread` index.
struct InboxCounts: Equatable, Sendable {
    var unread: Int
    var unseen: Int

    static func load(_ user: InboxUser, dependencies: APIDependencies) async throws -> InboxCounts {
        let rows = try await dependencies.rows(
            """
            SELECT count(*), count(*) FILTER (WHERE seen_at IS NULL) FROM notify.inbox_items
            WHERE user_id = \(user.userID) AND tenant_id = \(user.tenantID) AND read_at IS NULL AND archived_at IS NULL
            """)
        let (unread, unseen) = try rows[0].decode((Int64, Int64).self)
        return InboxCounts(unread: Int(unread), unseen: Int(unseen))
    }

    /// The two numbers as members of an answer.
    var json: [String: Any] { ["unread": unread, "unseen": unseen] }

    /// The data of the live stream's `unread` event, with sorted keys.
    var jsonText: String { #"{"unread":\#(unread),"unseen":\#(unseen)}"# }
}
