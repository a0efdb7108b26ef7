extension Migration {
    /// Room for heap-only (HOT) updates of deliveries and notifications: each moves through
    /// several statuses, and an update that changes no indexed column and finds room on its page
    /// writes no index entry.
    ///
    /// The index of deliveries in flight was partial on `status = 'sending'`, which made `status`
    /// an indexed column and every status change a full update. It now covers the rows whose
    /// `sending_since` is set: the send step sets it when it claims a delivery and clears it with
    /// the outcome, so it holds the same few rows.
    static let v0011HotUpdates = Migration(
        version: 11, name: "room for heap-only updates of deliveries and notifications",
        sql: #"""
            DROP INDEX notify.deliveries_sending;
            CREATE INDEX deliveries_sending ON notify.deliveries (sending_since) WHERE sending_since IS NOT NULL;
            ALTER TABLE notify.deliveries SET (fillfactor = 80);
            ALTER TABLE notify.notifications SET (fillfactor = 85);
            """#)
}
