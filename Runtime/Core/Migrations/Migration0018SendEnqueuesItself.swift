extension Migration {
    /// `notify.send` does its own enqueue: one lookup and three inserts per call, where it used to
    /// check the tenant, then call `notify.enqueue`, which looked up the category and the function
    /// in statements of their own.
    ///
    /// Every statement a PL/pgSQL function runs starts an executor, and that start-up, not the
    /// rows, was most of a call's cost: 10,000 calls in one transaction on an idle server took
    /// 1.05–1.24 s before and 0.86–0.96 s after (four pairs of two runs, in databases each build
    /// migrated). Same signature, same checks and errors (the arguments are now checked before the
    /// tenant is looked up), and the lane, schedule and wake-up rules that `notify.enqueue` applies
    /// to `validate` (see 0017).
    static let v0018SendEnqueuesItself = Migration(
        version: 18, name: "notify.send enqueues its own first job",
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
                v_run_at      timestamptz;
                v_scheduled   boolean;
                v_found       record;
                v_lane        smallint;
                v_job         bigint;
                v_mark        text;
            BEGIN
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
                -- The tenant, the category's lane and validate's queue settings in one lookup.
                SELECT t.id AS tenant, f.name AS function, f.max_attempts,
                       CASE WHEN c.critical THEN 0 WHEN c.kind = 'marketing' THEN 2 ELSE 1 END AS category_lane
                  INTO v_found
                  FROM notify.tenants t
                  LEFT JOIN notify.categories c ON c.tenant_id = t.id AND c.key = p_category
                  LEFT JOIN notify.functions f ON f.name = 'validate'
                 WHERE t.id = p_tenant_id;
                IF v_found.tenant IS NULL THEN
                    RAISE EXCEPTION 'unknown tenant "%"', p_tenant_id
                        USING ERRCODE = 'invalid_parameter_value', HINT = 'create it with: notify tenants create';
                END IF;
                IF v_found.function IS NULL THEN
                    RAISE EXCEPTION 'unknown function "validate"'
                        USING ERRCODE = 'invalid_parameter_value',
                              HINT = 'use one of: ' || (SELECT string_agg(name, ', ' ORDER BY name) FROM notify.functions);
                END IF;
                v_lane := CASE p_priority WHEN 'critical' THEN 0 WHEN 'transactional' THEN 1 WHEN 'bulk' THEN 2
                                          ELSE v_found.category_lane END;
                v_run_at := CASE WHEN p_send_at_local IS NOT NULL
                                 THEN (p_send_at_local - interval '14 hours') AT TIME ZONE 'UTC'
                                 ELSE p_send_at END;
                v_scheduled := p_send_at_local IS NOT NULL OR (v_run_at IS NOT NULL AND v_run_at > now());
                INSERT INTO notify.notifications
                    (tenant_id, category_key, template_key, recipients, data, channels, lane, send_at, send_at_local,
                     status, idempotency_key)
                VALUES (p_tenant_id, p_category, p_template,
                        CASE WHEN p_topic IS NOT NULL THEN jsonb_build_object('topic', p_topic)
                             ELSE jsonb_build_object('users', to_jsonb(p_users)) END,
                        p_data, p_channels, p_priority, p_send_at,
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
                -- The first job, as notify.enqueue would queue it: far ahead among the scheduled jobs,
                -- else in the queue with the same wake-up rule (critical always rings; the others
                -- ask once per 20 ms bucket in a transaction).
                IF coalesce(v_run_at, now()) > now() + interval '30 seconds' THEN
                    INSERT INTO notify.scheduled_jobs (id, queue, lane, run_at, payload, tenant_id, max_attempts)
                    VALUES (nextval(pg_get_serial_sequence('notify.jobs', 'id')), 'validate', v_lane, v_run_at,
                            jsonb_build_object('tenant_id', p_tenant_id, 'notification_id', v_id), p_tenant_id,
                            v_found.max_attempts);
                ELSE
                    INSERT INTO notify.jobs (queue, lane, run_at, payload, tenant_id, max_attempts)
                    VALUES ('validate', v_lane, coalesce(v_run_at, now()),
                            jsonb_build_object('tenant_id', p_tenant_id, 'notification_id', v_id), p_tenant_id,
                            v_found.max_attempts);
                    IF v_lane = 0 THEN
                        PERFORM pg_notify('notify_jobs', 'validate');
                    ELSE
                        v_mark := 'validate@' || floor(extract(epoch FROM clock_timestamp()) * 50)::bigint;
                        IF current_setting('notify.wake_checked', true) IS DISTINCT FROM v_mark THEN
                            PERFORM set_config('notify.wake_checked', v_mark, true);
                            IF notify.wake_due('validate') THEN
                                PERFORM pg_notify('notify_jobs', 'validate');
                            END IF;
                        END IF;
                    END IF;
                END IF;
                RETURN v_id;
            END
            $$;
            """#)
}
