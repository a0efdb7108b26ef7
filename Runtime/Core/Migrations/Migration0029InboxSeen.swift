extension Migration {
    /// Seen, beside read: `inbox_items.seen_at`. A client marks items seen when it shows them (the
    /// feed opened), which clears the badge, and read when the user opens one. An item is seen
    /// when `seen_at` or `read_at` is set, so items read before this migration count as seen
    /// without a rewrite. The unseen count is counted among the unread items through
    /// `inbox_unread`, so it needs no index of its own.
    static let v0029InboxSeen = Migration(
        version: 29, name: "inbox items can be seen before they are read",
        sql: #"""
            ALTER TABLE notify.inbox_items ADD COLUMN seen_at timestamptz;
            """#)
}
