extension Migration {
    /// Digests: per category, deliveries collect per (tenant, user, category, channel) into one
    /// message released when the window ends or the size limit is reached.
    ///
    /// - `categories.digest` holds the category's ``DigestSettings`` as JSON (null: no digest);
    ///   `cap_action` may now be `digest` (deliveries over the cap collect).
    /// - A delivery that was collected has status `digested`; its item names the digest.
    /// - `digests`: at most one `open` digest per (tenant, user, category, channel), enforced by a
    ///   partial unique index. A digest becomes `closing` when full (so the next item opens a new
    ///   one) and `closed` when released; `notification_id` is the digest's own notification,
    ///   set once, which makes a replayed close do nothing.
    /// - `digest_items`: one row per collected delivery (unique), with the notification's data
    ///   and the item's position.
    /// - `notifications.digest_id` marks a released digest, which is never collected again.
    static let v0007Digests = Migration(
        version: 7, name: "digests",
        sql: #"""
            ALTER TABLE notify.categories ADD COLUMN digest jsonb;
            ALTER TABLE notify.categories DROP CONSTRAINT categories_cap_action_check;
            ALTER TABLE notify.categories ADD CONSTRAINT categories_cap_action_check
                CHECK (cap_action IN ('defer', 'drop', 'digest'));

            ALTER TABLE notify.deliveries DROP CONSTRAINT deliveries_status_check;
            ALTER TABLE notify.deliveries ADD CONSTRAINT deliveries_status_check
                CHECK (status IN ('pending', 'deferred', 'rendered', 'sending', 'sent', 'delivered', 'dropped',
                                  'failed', 'unknown', 'digested'));

            CREATE TABLE notify.digests (
                id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                tenant_id        text NOT NULL REFERENCES notify.tenants ON DELETE CASCADE,
                user_id          bigint NOT NULL REFERENCES notify.users ON DELETE CASCADE,
                category_key     text NOT NULL,
                channel          text NOT NULL,
                status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closing', 'closed')),
                template_key     text NOT NULL,
                max_items        integer NOT NULL CHECK (max_items >= 1),
                item_count       integer NOT NULL DEFAULT 0 CHECK (item_count >= 0),
                opened_at        timestamptz NOT NULL DEFAULT now(),
                closes_at        timestamptz NOT NULL,
                closed_at        timestamptz,
                notification_id  uuid,
                updated_at       timestamptz NOT NULL DEFAULT now()
            ) WITH (fillfactor = 80);
            CREATE UNIQUE INDEX digests_one_open ON notify.digests (tenant_id, user_id, category_key, channel)
                WHERE status = 'open';
            CREATE INDEX digests_by_user ON notify.digests (tenant_id, user_id, id);

            CREATE TABLE notify.digest_items (
                delivery_id      bigint PRIMARY KEY,
                digest_id        bigint NOT NULL REFERENCES notify.digests ON DELETE CASCADE,
                tenant_id        text NOT NULL,
                notification_id  uuid NOT NULL,
                position         integer NOT NULL,
                data             jsonb NOT NULL,
                added_at         timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX digest_items_by_digest ON notify.digest_items (digest_id, position);

            -- Collecting enqueues digest-close from SQL, inside the completion transaction of
            -- preference-filter: the function must be known even before a process that runs it starts.
            INSERT INTO notify.functions (name, max_attempts, default_lane) VALUES ('digest-close', 10, 1)
                ON CONFLICT (name) DO NOTHING;

            ALTER TABLE notify.notifications ADD COLUMN digest_id bigint;
            CREATE UNIQUE INDEX notifications_one_per_digest ON notify.notifications (digest_id)
                WHERE digest_id IS NOT NULL;
            """#)
}
