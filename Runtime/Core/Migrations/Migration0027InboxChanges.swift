extension Migration {
    /// Changes to inbox items that a user's other live streams are told about.
    ///
    /// - `inbox_items.changed_seq`: set from `notify.inbox_change_seq` whenever an item is marked
    ///   read, unread, archived or unarchived (one item or all of them). A live stream remembers
    ///   the highest value it has shown and sends a `changed` event for each item above it, so
    ///   another tab or device shows the item's new state, not only the new unread count.
    /// - `inbox_changes`: the user's changed items in that order; items never changed (most of
    ///   them) are not in it.
    ///
    /// A nullable column without a default: adding it rewrites nothing. The index is built
    /// `CONCURRENTLY`, so new items keep arriving while it builds; an interrupted build leaves an
    /// invalid index, which the next run drops first.
    static let v0027InboxChanges = Migration(
        version: 27, name: "inbox item changes for live streams",
        sql: #"""
            CREATE SEQUENCE IF NOT EXISTS notify.inbox_change_seq;
            ALTER TABLE notify.inbox_items ADD COLUMN IF NOT EXISTS changed_seq bigint;
            DROP INDEX CONCURRENTLY IF EXISTS notify.inbox_changes;
            CREATE INDEX CONCURRENTLY inbox_changes ON notify.inbox_items (user_id, changed_seq)
                WHERE changed_seq IS NOT NULL;
            """#, transactional: false)
}
