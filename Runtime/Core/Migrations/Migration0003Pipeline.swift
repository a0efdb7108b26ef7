extension Migration {
    /// The notification model: tenants and their credentials, users and devices, categories,
    /// templates, preferences, topics, suppressions, notifications, deliveries, the timeline and the
    /// in-app inbox.
    ///
    /// Every table carries `tenant_id` and every lookup starts with it. Contact points (email,
    /// phone, device tokens) are stored only as AES-GCM ciphertext (`*_cipher`, the key id inside the
    /// blob) plus a keyed hash (`*_hash`) used for lookups and the suppression list. A delivery is
    /// unique per (notification, user, channel), so no replay of any stage can create a second one.
    /// `notify.events` is append-only (a trigger refuses updates).
    static let v0003Pipeline = Migration(
        version: 3, name: "notification pipeline",
        sql: #"""
            CREATE TABLE notify.tenants (
                id              text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{1,62}$'),
                name            text NOT NULL,
                default_locale  text NOT NULL DEFAULT 'en',
                inbox_secret    bytea NOT NULL,
                requests_per_second integer NOT NULL DEFAULT 200 CHECK (requests_per_second > 0),
                created_at      timestamptz NOT NULL DEFAULT now()
            );

            CREATE TABLE notify.api_keys (
                id           text PRIMARY KEY,
                tenant_id    text NOT NULL REFERENCES notify.tenants ON DELETE CASCADE,
                name         text NOT NULL,
                secret_hash  bytea NOT NULL,
                created_at   timestamptz NOT NULL DEFAULT now(),
                revoked_at   timestamptz
            );
            CREATE INDEX api_keys_by_tenant ON notify.api_keys (tenant_id);

            CREATE TABLE notify.oauth_clients (
                id           text PRIMARY KEY,
                tenant_id    text NOT NULL REFERENCES notify.tenants ON DELETE CASCADE,
                name         text NOT NULL,
                secret_hash  bytea NOT NULL,
                created_at   timestamptz NOT NULL DEFAULT now(),
                revoked_at   timestamptz
            );

            CREATE TABLE notify.users (
                id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                tenant_id     text NOT NULL REFERENCES notify.tenants ON DELETE CASCADE,
                external_id   text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
                email_cipher  bytea,
                email_hash    bytea,
                phone_cipher  bytea,
                phone_hash    bytea,
                locale        text,
                timezone      text,
                data          jsonb NOT NULL DEFAULT '{}',
                created_at    timestamptz NOT NULL DEFAULT now(),
                updated_at    timestamptz NOT NULL DEFAULT now(),
                UNIQUE (tenant_id, external_id)
            );

            CREATE TABLE notify.devices (
                id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                tenant_id       text NOT NULL,
                user_id         bigint NOT NULL REFERENCES notify.users ON DELETE CASCADE,
                platform        text NOT NULL CHECK (platform IN ('apns', 'fcm')),
                token_cipher    bytea NOT NULL,
                token_hash      bytea NOT NULL,
                created_at      timestamptz NOT NULL DEFAULT now(),
                invalidated_at  timestamptz,
                invalid_reason  text,
                UNIQUE (tenant_id, platform, token_hash)
            );
            CREATE INDEX devices_by_user ON notify.devices (user_id);

            CREATE TABLE notify.categories (
                tenant_id         text NOT NULL REFERENCES notify.tenants ON DELETE CASCADE,
                key               text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
                kind              text NOT NULL CHECK (kind IN ('transactional', 'marketing')),
                critical          boolean NOT NULL DEFAULT false,
                default_channels  text[] NOT NULL,
                template_key      text NOT NULL,
                unknown_outcome   text NOT NULL DEFAULT 'retry' CHECK (unknown_outcome IN ('retry', 'give_up')),
                cap_action        text NOT NULL DEFAULT 'defer' CHECK (cap_action IN ('defer', 'drop')),
                created_at        timestamptz NOT NULL DEFAULT now(),
                updated_at        timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (tenant_id, key)
            );

            CREATE TABLE notify.templates (
                tenant_id   text NOT NULL REFERENCES notify.tenants ON DELETE CASCADE,
                key         text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
                channel     text NOT NULL,
                locale      text NOT NULL,
                version     integer NOT NULL,
                source      jsonb NOT NULL,
                active      boolean NOT NULL DEFAULT false,
                created_at  timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (tenant_id, key, channel, locale, version)
            );
            CREATE UNIQUE INDEX templates_one_active ON notify.templates (tenant_id, key, channel, locale) WHERE active;

            CREATE TABLE notify.preferences (
                user_id         bigint PRIMARY KEY REFERENCES notify.users ON DELETE CASCADE,
                tenant_id       text NOT NULL,
                channels        jsonb NOT NULL DEFAULT '{}',
                quiet_hours     jsonb,
                frequency_caps  jsonb NOT NULL DEFAULT '{}',
                updated_at      timestamptz NOT NULL DEFAULT now()
            );

            CREATE TABLE notify.topics (
                tenant_id   text NOT NULL REFERENCES notify.tenants ON DELETE CASCADE,
                key         text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9_.:-]{0,126}$'),
                name        text,
                created_at  timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (tenant_id, key)
            );
            CREATE TABLE notify.topic_subscribers (
                tenant_id   text NOT NULL,
                topic_key   text NOT NULL,
                user_id     bigint NOT NULL REFERENCES notify.users ON DELETE CASCADE,
                created_at  timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (tenant_id, topic_key, user_id),
                FOREIGN KEY (tenant_id, topic_key) REFERENCES notify.topics ON DELETE CASCADE
            );

            CREATE TABLE notify.suppressions (
                tenant_id     text NOT NULL REFERENCES notify.tenants ON DELETE CASCADE,
                channel       text NOT NULL,
                address_hash  bytea NOT NULL,
                reason        text NOT NULL,
                created_at    timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (tenant_id, channel, address_hash)
            );

            CREATE TABLE notify.notifications (
                id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                tenant_id        text NOT NULL REFERENCES notify.tenants ON DELETE CASCADE,
                category_key     text NOT NULL,
                template_key     text,
                recipients       jsonb NOT NULL,
                data             jsonb NOT NULL DEFAULT '{}',
                channels         text[],
                lane             text,
                send_at          timestamptz,
                status           text NOT NULL DEFAULT 'accepted'
                                 CHECK (status IN ('scheduled', 'accepted', 'processing', 'done', 'refused', 'cancelled')),
                refusal          jsonb,
                idempotency_key  text,
                request_hash     bytea,
                recipient_count  integer NOT NULL DEFAULT 0,
                created_at       timestamptz NOT NULL DEFAULT now(),
                updated_at       timestamptz NOT NULL DEFAULT now()
            );
            CREATE UNIQUE INDEX notifications_idempotency ON notify.notifications (tenant_id, idempotency_key)
                WHERE idempotency_key IS NOT NULL;
            CREATE INDEX notifications_by_tenant ON notify.notifications (tenant_id, created_at);

            CREATE TABLE notify.deliveries (
                id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                tenant_id            text NOT NULL,
                notification_id      uuid NOT NULL REFERENCES notify.notifications ON DELETE CASCADE,
                user_id              bigint NOT NULL,
                channel              text NOT NULL,
                status               text NOT NULL DEFAULT 'pending'
                                     CHECK (status IN ('pending', 'deferred', 'rendered', 'sending', 'sent',
                                                       'delivered', 'dropped', 'failed', 'unknown')),
                reason               text,
                content              jsonb,
                provider             text,
                provider_message_id  text,
                created_at           timestamptz NOT NULL DEFAULT now(),
                updated_at           timestamptz NOT NULL DEFAULT now(),
                UNIQUE (notification_id, user_id, channel)
            ) WITH (fillfactor = 80);
            CREATE INDEX deliveries_sent_recently ON notify.deliveries (tenant_id, user_id, created_at)
                WHERE status IN ('sent', 'delivered');

            CREATE TABLE notify.events (
                id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                tenant_id        text NOT NULL,
                notification_id  uuid NOT NULL,
                delivery_id      bigint,
                kind             text NOT NULL,
                detail           jsonb NOT NULL DEFAULT '{}',
                at               timestamptz NOT NULL DEFAULT clock_timestamp()
            );
            CREATE INDEX events_by_notification ON notify.events (notification_id, id);
            CREATE FUNCTION notify.events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'notify.events is append-only' USING ERRCODE = 'insufficient_privilege';
            END
            $$;
            CREATE TRIGGER events_append_only BEFORE UPDATE ON notify.events
                FOR EACH ROW EXECUTE FUNCTION notify.events_append_only();

            CREATE TABLE notify.inbox_items (
                id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                tenant_id        text NOT NULL,
                user_id          bigint NOT NULL REFERENCES notify.users ON DELETE CASCADE,
                delivery_id      bigint NOT NULL UNIQUE,
                notification_id  uuid NOT NULL,
                category_key     text NOT NULL,
                title            text,
                body             text,
                action_url       text,
                read_at          timestamptz,
                archived_at      timestamptz,
                created_at       timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX inbox_by_user ON notify.inbox_items (user_id, id DESC);
            CREATE INDEX inbox_unread ON notify.inbox_items (user_id) WHERE read_at IS NULL AND archived_at IS NULL;

            -- The SQL producer: call inside your own transaction; the notification exists iff you commit.
            CREATE FUNCTION notify.send(
                p_tenant_id        text,
                p_category         text,
                p_users            text[] DEFAULT NULL,
                p_data             jsonb DEFAULT '{}',
                p_topic            text DEFAULT NULL,
                p_template         text DEFAULT NULL,
                p_channels         text[] DEFAULT NULL,
                p_send_at          timestamptz DEFAULT NULL,
                p_priority         text DEFAULT NULL,
                p_idempotency_key  text DEFAULT NULL
            ) RETURNS uuid LANGUAGE plpgsql AS $$
            DECLARE
                v_id          uuid;
                v_recipients  jsonb;
                v_scheduled   boolean := p_send_at IS NOT NULL AND p_send_at > now();
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM notify.tenants WHERE id = p_tenant_id) THEN
                    RAISE EXCEPTION 'unknown tenant "%"', p_tenant_id
                        USING ERRCODE = 'invalid_parameter_value', HINT = 'create it with: notify tenants create';
                END IF;
                IF (p_users IS NULL OR cardinality(p_users) = 0) = (p_topic IS NULL) THEN
                    RAISE EXCEPTION 'name the recipients with exactly one of p_users or p_topic'
                        USING ERRCODE = 'invalid_parameter_value';
                END IF;
                IF p_data IS NULL OR jsonb_typeof(p_data) <> 'object' THEN
                    RAISE EXCEPTION 'p_data must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
                END IF;
                IF p_priority IS NOT NULL AND p_priority NOT IN ('critical', 'transactional', 'bulk') THEN
                    RAISE EXCEPTION 'unknown priority "%"', p_priority
                        USING ERRCODE = 'invalid_parameter_value', HINT = 'use critical, transactional or bulk';
                END IF;
                v_recipients := CASE WHEN p_topic IS NOT NULL THEN jsonb_build_object('topic', p_topic)
                                     ELSE jsonb_build_object('users', to_jsonb(p_users)) END;
                INSERT INTO notify.notifications
                    (tenant_id, category_key, template_key, recipients, data, channels, lane, send_at, status,
                     idempotency_key)
                VALUES (p_tenant_id, p_category, p_template, v_recipients, p_data, p_channels, p_priority, p_send_at,
                        CASE WHEN v_scheduled THEN 'scheduled' ELSE 'accepted' END, p_idempotency_key)
                ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
                RETURNING id INTO v_id;
                IF v_id IS NULL THEN
                    -- A replay: the first request with this key wins; return its notification.
                    SELECT id INTO v_id FROM notify.notifications
                        WHERE tenant_id = p_tenant_id AND idempotency_key = p_idempotency_key;
                    RETURN v_id;
                END IF;
                INSERT INTO notify.events (tenant_id, notification_id, kind, detail)
                VALUES (p_tenant_id, v_id, CASE WHEN v_scheduled THEN 'scheduled' ELSE 'accepted' END,
                        jsonb_build_object('via', 'sql'));
                PERFORM notify.enqueue('validate', jsonb_build_object('tenant_id', p_tenant_id, 'notification_id', v_id),
                                       coalesce(p_priority, 'transactional'), p_send_at, p_tenant_id);
                RETURN v_id;
            END
            $$;
            """#)
}
