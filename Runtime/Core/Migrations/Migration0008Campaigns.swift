extension Migration {
    /// Segments (saved filters over a tenant's users) and campaigns (a broadcast to a topic or a
    /// segment at a send rate, with a start time, pause, resume and cancel).
    ///
    /// - A campaign owns one notification (`notification_id`) whose deliveries are its recipients;
    ///   the pipeline from `preference-filter` on treats them like any other notification's.
    /// - `campaign-expand` inserts the deliveries in large set-based batches, advancing
    ///   `expand_cursor` (the last user id expanded) and `planned`; `expanded` is set after the last.
    /// - `campaign-release` hands recipients to `preference-filter` at the campaign's rate,
    ///   advancing `release_cursor` and `released`. Only the pacer whose `generation` matches acts,
    ///   so a pause followed quickly by a resume never runs two pacers at once.
    /// - `users_by_tenant` lets a segment's expansion walk a tenant's users in id order.
    static let v0008Campaigns = Migration(
        version: 8, name: "segments and campaigns",
        sql: #"""
            CREATE TABLE notify.segments (
                tenant_id   text NOT NULL REFERENCES notify.tenants ON DELETE CASCADE,
                key         text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9_.:-]{0,126}$'),
                name        text,
                filter      jsonb NOT NULL,
                created_at  timestamptz NOT NULL DEFAULT now(),
                updated_at  timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (tenant_id, key)
            );

            CREATE TABLE notify.campaigns (
                id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                tenant_id        text NOT NULL REFERENCES notify.tenants ON DELETE CASCADE,
                name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
                notification_id  uuid NOT NULL UNIQUE REFERENCES notify.notifications ON DELETE CASCADE,
                audience         jsonb NOT NULL,
                segment_filter   jsonb,
                channels         text[] NOT NULL,
                lane             text NOT NULL,
                rate_per_second  integer CHECK (rate_per_second IS NULL OR rate_per_second > 0),
                start_at         timestamptz NOT NULL,
                status           text NOT NULL
                                 CHECK (status IN ('scheduled', 'running', 'paused', 'completed', 'cancelled')),
                expand_cursor    bigint NOT NULL DEFAULT 0,
                expanded         boolean NOT NULL DEFAULT false,
                expanded_at      timestamptz,
                planned          bigint NOT NULL DEFAULT 0,
                release_cursor   bigint NOT NULL DEFAULT 0,
                released         bigint NOT NULL DEFAULT 0,
                generation       integer NOT NULL DEFAULT 1,
                idempotency_key  text,
                created_at       timestamptz NOT NULL DEFAULT now(),
                updated_at       timestamptz NOT NULL DEFAULT now(),
                finished_at      timestamptz
            );
            CREATE INDEX campaigns_by_tenant ON notify.campaigns (tenant_id, created_at DESC);
            CREATE UNIQUE INDEX campaigns_idempotency ON notify.campaigns (tenant_id, idempotency_key)
                WHERE idempotency_key IS NOT NULL;
            CREATE INDEX users_by_tenant ON notify.users (tenant_id, id);
            """#)
}
