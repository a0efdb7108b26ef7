extension Migration {
    /// Real channels: provider accounts and routes, the shared circuit breakers and send-rate
    /// buckets, provider callbacks awaiting ingestion, and the delivery columns the senders need.
    ///
    /// - `provider_accounts` hold a provider's configuration as AES-GCM ciphertext
    ///   (`config_cipher`, the key id inside the blob); only non-secret sender facts (`sender`) are
    ///   stored in clear. The id appears in callback URLs (`/webhooks/<provider>/<account>`).
    /// - `provider_routes` order a tenant's accounts per channel: lower `position` first; accounts
    ///   sharing a position split traffic by `weight`; `cost_micros` is reported per message.
    /// - `provider_circuits` is one row per account that every worker process reads before sending
    ///   and updates after, so all processes agree whether a provider is open.
    /// - `provider_buckets` is a token bucket per account refilled at `rate_per_second` up to
    ///   `burst`: one `UPDATE` takes tokens for a whole batch, enforcing the limit across processes.
    /// - `categories.fallback` maps a channel to the channel tried when a delivery cannot reach the
    ///   user (``ChannelFallback``).
    /// - `provider_callbacks` keeps each verified callback's raw body until `webhook-ingest` has
    ///   turned it into events; `callback_receipts` deduplicates repeated callbacks by the
    ///   provider's event id.
    static let v0004Channels = Migration(
        version: 4, name: "channels and providers",
        sql: #"""
            CREATE TABLE notify.provider_accounts (
                id               text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{1,62}$'),
                tenant_id        text NOT NULL REFERENCES notify.tenants ON DELETE CASCADE,
                kind             text NOT NULL
                                 CHECK (kind IN ('smtp', 'sendgrid', 'twilio', 'vonage', 'fcm', 'apns', 'webhook')),
                channel          text NOT NULL CHECK (channel IN ('email', 'sms', 'push', 'webhook')),
                config_cipher    bytea NOT NULL,
                sender           jsonb NOT NULL DEFAULT '{}',
                rate_per_second  double precision CHECK (rate_per_second > 0),
                burst            integer CHECK (burst > 0),
                enabled          boolean NOT NULL DEFAULT true,
                created_at       timestamptz NOT NULL DEFAULT now(),
                updated_at       timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX provider_accounts_by_tenant ON notify.provider_accounts (tenant_id);

            CREATE TABLE notify.provider_routes (
                tenant_id    text NOT NULL REFERENCES notify.tenants ON DELETE CASCADE,
                channel      text NOT NULL CHECK (channel IN ('email', 'sms', 'push', 'webhook')),
                account_id   text NOT NULL REFERENCES notify.provider_accounts ON DELETE CASCADE,
                position     integer NOT NULL DEFAULT 0,
                weight       integer NOT NULL DEFAULT 100 CHECK (weight >= 0),
                cost_micros  bigint NOT NULL DEFAULT 0 CHECK (cost_micros >= 0),
                PRIMARY KEY (tenant_id, channel, account_id)
            );

            CREATE TABLE notify.provider_circuits (
                account_id            text PRIMARY KEY REFERENCES notify.provider_accounts ON DELETE CASCADE,
                state                 text NOT NULL DEFAULT 'closed' CHECK (state IN ('closed', 'open', 'half_open')),
                consecutive_failures  integer NOT NULL DEFAULT 0,
                open_until            timestamptz,
                probe_until           timestamptz,
                last_error            text,
                changed_at            timestamptz NOT NULL DEFAULT now()
            ) WITH (fillfactor = 50);

            CREATE TABLE notify.provider_buckets (
                account_id    text PRIMARY KEY REFERENCES notify.provider_accounts ON DELETE CASCADE,
                tokens        double precision NOT NULL,
                refreshed_at  timestamptz NOT NULL DEFAULT clock_timestamp()
            ) WITH (fillfactor = 50);

            -- Takes up to p_wanted tokens from an account's bucket in one locked step and says how many
            -- were granted and how many remain.
            CREATE FUNCTION notify.take_send_tokens(
                p_account text, p_wanted integer, p_rate double precision, p_burst integer,
                OUT granted integer, OUT remaining double precision
            ) LANGUAGE plpgsql AS $$
            DECLARE
                v_tokens double precision;
            BEGIN
                INSERT INTO notify.provider_buckets (account_id, tokens, refreshed_at)
                VALUES (p_account, p_burst, clock_timestamp())
                ON CONFLICT (account_id) DO UPDATE SET
                    tokens = least(p_burst, notify.provider_buckets.tokens
                                   + extract(epoch FROM clock_timestamp() - notify.provider_buckets.refreshed_at) * p_rate),
                    refreshed_at = clock_timestamp()
                RETURNING tokens INTO v_tokens;
                granted := greatest(0, least(floor(v_tokens)::integer, p_wanted));
                remaining := v_tokens - granted;
                UPDATE notify.provider_buckets SET tokens = remaining WHERE account_id = p_account;
            END
            $$;

            ALTER TABLE notify.categories
                ADD COLUMN fallback jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(fallback) = 'object');

            -- The channel a notification's delivery on p_channel falls back to, if its category has one
            -- ("sms" or {"to": "sms", "after_seconds": 600}).
            CREATE FUNCTION notify.fallback_target(p_notification uuid, p_channel text, OUT channel text)
            LANGUAGE sql STABLE AS $$
                SELECT CASE jsonb_typeof(c.fallback -> p_channel)
                           WHEN 'string' THEN c.fallback ->> p_channel
                           WHEN 'object' THEN c.fallback -> p_channel ->> 'to' END
                FROM notify.notifications n
                JOIN notify.categories c ON c.tenant_id = n.tenant_id AND c.key = n.category_key
                WHERE n.id = p_notification AND n.status <> 'cancelled'
            $$;

            ALTER TABLE notify.deliveries
                ADD COLUMN attempts             integer NOT NULL DEFAULT 0,
                ADD COLUMN provider_account_id  text,
                ADD COLUMN sending_since        timestamptz,
                ADD COLUMN cost_micros          bigint,
                ADD COLUMN fallback_of          bigint;
            CREATE INDEX deliveries_by_provider_message ON notify.deliveries (provider_account_id, provider_message_id)
                WHERE provider_message_id IS NOT NULL;

            CREATE TABLE notify.provider_callbacks (
                id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                tenant_id     text NOT NULL,
                account_id    text NOT NULL,
                kind          text NOT NULL,
                content_type  text NOT NULL,
                body          bytea NOT NULL,
                received_at   timestamptz NOT NULL DEFAULT now(),
                ingested_at   timestamptz
            );

            CREATE TABLE notify.callback_receipts (
                account_id   text NOT NULL,
                event_key    text NOT NULL,
                received_at  timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (account_id, event_key)
            );
            """#)
}
