extension Migration {
    /// A send's two updates of its delivery become heap-only (HOT) updates, which write no index
    /// entry.
    ///
    /// The send step's claim set `sending_since`, which the index of deliveries in flight
    /// (`deliveries_sending`) covered, and its outcome set `provider_message_id`, which the index
    /// that callbacks look deliveries up by (`deliveries_by_provider_message`) covered. So both
    /// updates were full ones: each wrote a new entry into every index of the table, four per
    /// update. (A write-ahead log breakdown of a 20,000-SMS run, `pg_walinspect`: 32 index
    /// entries per SMS, 11 of them the deliveries'.)
    ///
    /// Those two lookups now have small tables of their own:
    /// - `sends_in_flight`: a row per delivery that a send attempt has claimed and not yet
    ///   recorded the outcome of, written by the claim and deleted by the outcome in the same
    ///   statements; `schedule-tick`'s rescue of stranded sends reads it (see `StrandedSendRescue`).
    /// - `provider_messages`: the provider's message id of each send, by provider account, for
    ///   the callbacks; inserted with the outcome. A delivery sent twice (an unknown outcome sent
    ///   again) keeps both ids, so callbacks about either find it.
    ///
    /// The columns stay on `deliveries` (the API shows the message id; the claim compares
    /// `sending_since`), without an index. Deleting a delivery deletes its rows in both tables, by
    /// a statement trigger, as record retention and an operator's deletion of a notification do.
    /// The migration copies the rows of sends recorded before it.
    static let v0033SendsWithoutIndexWrites = Migration(
        version: 33, name: "a send's delivery updates without index writes",
        sql: #"""
            CREATE TABLE notify.sends_in_flight (
                delivery_id  bigint PRIMARY KEY,
                tenant_id    text NOT NULL,
                since        timestamptz NOT NULL
            ) WITH (
                autovacuum_vacuum_scale_factor = 0.01,
                autovacuum_vacuum_threshold = 1000,
                autovacuum_vacuum_insert_scale_factor = 0.05,
                autovacuum_analyze_scale_factor = 0.02,
                autovacuum_vacuum_cost_delay = 0
            );
            INSERT INTO notify.sends_in_flight (delivery_id, tenant_id, since)
            SELECT id, tenant_id, sending_since FROM notify.deliveries WHERE sending_since IS NOT NULL;

            CREATE TABLE notify.provider_messages (
                provider_account_id  text NOT NULL,
                provider_message_id  text NOT NULL,
                tenant_id            text NOT NULL,
                delivery_id          bigint NOT NULL,
                PRIMARY KEY (provider_account_id, provider_message_id)
            );
            INSERT INTO notify.provider_messages (provider_account_id, provider_message_id, tenant_id, delivery_id)
            SELECT provider_account_id, provider_message_id, tenant_id, id FROM notify.deliveries
            WHERE provider_message_id IS NOT NULL AND provider_account_id IS NOT NULL
            ON CONFLICT DO NOTHING;

            CREATE FUNCTION notify.deliveries_cascade_send_records() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                DELETE FROM notify.sends_in_flight f USING gone g WHERE f.delivery_id = g.id;
                DELETE FROM notify.provider_messages p USING gone g
                WHERE p.provider_account_id = g.provider_account_id AND p.provider_message_id = g.provider_message_id
                  AND p.delivery_id = g.id;
                RETURN NULL;
            END
            $$;
            CREATE TRIGGER deliveries_cascade_send_records AFTER DELETE ON notify.deliveries
                REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
                EXECUTE FUNCTION notify.deliveries_cascade_send_records();

            DROP INDEX notify.deliveries_sending;
            DROP INDEX notify.deliveries_by_provider_message;
            """#)
}
