extension Migration {
    /// Indexes by age for the tick's deletion of ingested provider callbacks and their receipts
    /// (`CallbackRetention` in `schedule-tick`), so that each tick reads only the rows it deletes.
    /// `received_at` is written once, at insert: `webhook-ingest`'s update of `ingested_at` stays a
    /// heap-only update. Built `CONCURRENTLY`, so callbacks keep being stored while they build.
    static let v0021CallbackRetention = Migration(
        version: 21, name: "provider callbacks and receipts indexed by age, for their retention",
        sql: #"""
            DROP INDEX CONCURRENTLY IF EXISTS notify.provider_callbacks_by_age;
            CREATE INDEX CONCURRENTLY provider_callbacks_by_age ON notify.provider_callbacks (received_at);
            DROP INDEX CONCURRENTLY IF EXISTS notify.callback_receipts_by_age;
            CREATE INDEX CONCURRENTLY callback_receipts_by_age ON notify.callback_receipts (received_at);
            """#, transactional: false)
}
