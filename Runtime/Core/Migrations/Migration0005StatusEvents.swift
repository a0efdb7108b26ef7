extension Migration {
    /// Tenants' subscriptions to their own delivery-status events (`notify.events`), delivered as
    /// Standard-Webhooks-signed POSTs by `deliver-status-events`.
    ///
    /// - `id` is `sub_…`, unique per tenant; every query names the tenant too.
    /// - `secret_cipher` is the `whsec_…` signing secret as AES-GCM ciphertext (``ContactCipher``,
    ///   the key id inside the blob); the API shows the secret once, on creation and rotation.
    /// - `kinds` filters event kinds; empty means every kind.
    /// - `cursor` is the last `notify.events.id` handled (delivered, or skipped by the kinds
    ///   filter); a new subscription starts at the tenant's newest event.
    /// - `in_flight` is true while a `deliver-status-events` job for the subscription exists; the
    ///   leader's tick clears it (counting a failure) when no such job remains, e.g. after the job
    ///   was dead-lettered.
    /// - `failures` and `last_error` describe the current run of failed POSTs; the tick waits
    ///   `least(2^failures, 600)` seconds after `updated_at` before trying again.
    static let v0005StatusEvents = Migration(
        version: 5, name: "status event subscriptions",
        sql: #"""
            CREATE TABLE notify.event_subscriptions (
                tenant_id      text NOT NULL REFERENCES notify.tenants ON DELETE CASCADE,
                id             text NOT NULL CHECK (id ~ '^[a-z0-9][a-z0-9_-]{1,62}$'),
                url            text NOT NULL CHECK (url ~* '^https?://' AND length(url) <= 2048),
                secret_cipher  bytea NOT NULL,
                kinds          text[] NOT NULL DEFAULT '{}',
                enabled        boolean NOT NULL DEFAULT true,
                cursor         bigint NOT NULL DEFAULT 0 CHECK (cursor >= 0),
                in_flight      boolean NOT NULL DEFAULT false,
                failures       integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
                last_error     text,
                created_at     timestamptz NOT NULL DEFAULT now(),
                updated_at     timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (tenant_id, id)
            ) WITH (fillfactor = 70);
            COMMENT ON COLUMN notify.event_subscriptions.cursor IS 'the last notify.events.id handled for this subscription';

            -- deliver-status-events and the tick read a tenant's events after a cursor.
            CREATE INDEX events_by_tenant ON notify.events (tenant_id, id);
            """#)
}
