extension Migration {
    /// `notify.send` puts a notification's first job in its category's lane when no priority is
    /// given, as the API does: a critical category's notification is in the critical lane from
    /// `validate` on (a one-time passcode never waits behind a campaign for its first stage), a
    /// marketing category's in the bulk lane. Same signature as in 0006; only the lane changes.
    static let v0009SendLane = Migration(
        version: 9, name: "notify.send lane from the category",
        sql: #"""
            -- The SQL producer: call inside your own transaction; the notification exists iff you commit.
            CREATE OR REPLACE FUNCTION notify.send(
                p_tenant_id        text,
                p_category         text,
                p_users            text[] DEFAULT NULL,
                p_data             jsonb DEFAULT '{}',
                p_topic            text DEFAULT NULL,
                p_template         text DEFAULT NULL,
                p_channels         text[] DEFAULT NULL,
                p_send_at          timestamptz DEFAULT NULL,
                p_priority         text DEFAULT NULL,
                p_idempotency_key  text DEFAULT NULL,
                p_send_at_local    timestamp DEFAULT NULL
            ) RETURNS uuid LANGUAGE plpgsql AS $$
            DECLARE
                v_id          uuid;
                v_recipients  jsonb;
                v_run_at      timestamptz;
                v_scheduled   boolean;
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
                IF p_send_at IS NOT NULL AND p_send_at_local IS NOT NULL THEN
                    RAISE EXCEPTION 'give at most one of p_send_at (an instant) and p_send_at_local (a wall-clock time in each recipient''s zone)'
                        USING ERRCODE = 'invalid_parameter_value';
                END IF;
                -- A local time is first due where the clock is furthest ahead, UTC+14.
                v_run_at := CASE WHEN p_send_at_local IS NOT NULL
                                 THEN (p_send_at_local - interval '14 hours') AT TIME ZONE 'UTC'
                                 ELSE p_send_at END;
                v_scheduled := p_send_at_local IS NOT NULL OR (v_run_at IS NOT NULL AND v_run_at > now());
                v_recipients := CASE WHEN p_topic IS NOT NULL THEN jsonb_build_object('topic', p_topic)
                                     ELSE jsonb_build_object('users', to_jsonb(p_users)) END;
                INSERT INTO notify.notifications
                    (tenant_id, category_key, template_key, recipients, data, channels, lane, send_at, send_at_local,
                     status, idempotency_key)
                VALUES (p_tenant_id, p_category, p_template, v_recipients, p_data, p_channels, p_priority, p_send_at,
                        p_send_at_local, CASE WHEN v_scheduled THEN 'scheduled' ELSE 'accepted' END, p_idempotency_key)
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
                        CASE WHEN p_send_at_local IS NULL THEN jsonb_build_object('via', 'sql')
                             ELSE jsonb_build_object('via', 'sql', 'send_at_local',
                                                     to_char(p_send_at_local, 'YYYY-MM-DD"T"HH24:MI:SS')) END);
                PERFORM notify.enqueue('validate', jsonb_build_object('tenant_id', p_tenant_id, 'notification_id', v_id),
                                       coalesce(p_priority,
                                                (SELECT CASE WHEN c.critical THEN 'critical'
                                                             WHEN c.kind = 'marketing' THEN 'bulk' END
                                                 FROM notify.categories c
                                                 WHERE c.tenant_id = p_tenant_id AND c.key = p_category),
                                                'transactional'), v_run_at, p_tenant_id);
                RETURN v_id;
            END
            $$;
            """#)
}
