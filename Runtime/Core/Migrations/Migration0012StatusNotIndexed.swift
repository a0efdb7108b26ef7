extension Migration {
    /// Delivery status changes become heap-only (HOT) updates.
    ///
    /// `deliveries_sent_recently` was partial on `status IN ('sent', 'delivered')`, and a column in
    /// an index's predicate counts as indexed: every status change (rendered, sending, sent,
    /// delivered) wrote a new entry into each of the table's five indexes. The index that replaces
    /// it covers every delivery of a user; the frequency-cap count filters the status in the rows
    /// it reads, which are the user's deliveries in one window.
    ///
    /// Pages are also filled to half (from 80 and 85 %): a delivery is rewritten two or three times
    /// within seconds of its insert (rendered with its content, then sent), and a heap-only update
    /// needs room on the row's own page. In a 30,000-notification in-app run, 78 % of delivery
    /// updates and all notification updates were heap-only (38 % and 21 % with the fuller pages),
    /// and the tables ended no larger, since heap-only versions are pruned in place.
    ///
    /// The index is built `CONCURRENTLY`, so deliveries keep being written while it builds on a
    /// large table. (The first release of this migration built it inside its transaction, which
    /// held every delivery write for the length of the build; the schema it leaves is the same.)
    /// A build interrupted by a crash leaves an invalid index, which the next run drops first.
    static let v0012StatusNotIndexed = Migration(
        version: 12, name: "delivery status changes without index writes",
        sql: #"""
            DROP INDEX CONCURRENTLY IF EXISTS notify.deliveries_sent_recently;
            DROP INDEX CONCURRENTLY IF EXISTS notify.deliveries_by_user;
            CREATE INDEX CONCURRENTLY deliveries_by_user ON notify.deliveries (tenant_id, user_id, created_at);
            ALTER TABLE notify.deliveries SET (fillfactor = 50);
            ALTER TABLE notify.notifications SET (fillfactor = 50);
            """#, transactional: false)
}
