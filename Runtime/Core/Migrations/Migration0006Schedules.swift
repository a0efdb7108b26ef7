extension Migration {
    /// Local-time sends and recurring schedules.
    ///
    /// - `notify.notifications.send_at_local` is a wall-clock time with no zone: each recipient gets
    ///   the notification when their own zone shows it (see `LocalTimeRelease` for the DST rules).
    ///   Such a notification is `scheduled` until `validate` runs, at that wall time read at UTC+14,
    ///   the earliest any zone reaches it; `validate` then queues each recipient's work for their
    ///   own instant and records a `scheduled` event per delivery.
    /// - `notify.send(...)` gains `p_send_at_local timestamp DEFAULT NULL` as its last parameter, so
    ///   every existing call, positional or named, keeps working. With both `p_send_at` and
    ///   `p_send_at_local` it raises `invalid_parameter_value`.
    /// - `notify.schedules` holds tenants' recurring schedules: a cron expression, a zone (or
    ///   `recipient`: each occurrence is a local-time send), the notification to send, the policy
    ///   for missed occurrences, and `next_run_at`, the instant the leader's tick releases the next
    ///   occurrence (for `recipient`, the wall time read at UTC+14).
    /// - `notify.release_schedule(...)` is what the leader's tick calls per due schedule.
    /// - `scheduled_jobs_by_notification` finds a notification's waiting jobs (cancel, reschedule); ids
    ///   are lower-cased, as JSON encoders differ in the case they write UUIDs in.
    static let v0006Schedules = Migration(
        version: 6, name: "local-time sends and recurring schedules",
        sql: #"""
            ALTER TABLE notify.notifications ADD COLUMN send_at_local timestamp;

            CREATE INDEX scheduled_jobs_by_notification ON notify.scheduled_jobs ((lower(payload ->> 'notification_id')))
                WHERE payload ? 'notification_id';

            CREATE TABLE notify.schedules (
                tenant_id      text NOT NULL REFERENCES notify.tenants ON DELETE CASCADE,
                id             text NOT NULL CHECK (id ~ '^[a-z0-9][a-z0-9_-]{1,62}$'),
                cron           text NOT NULL CHECK (length(cron) BETWEEN 1 AND 200),
                timezone       text NOT NULL,
                notification   jsonb NOT NULL CHECK (jsonb_typeof(notification) = 'object'
                                   AND jsonb_typeof(notification -> 'category') = 'string'
                                   AND ((notification ? 'users') <> (notification ? 'topic'))
                                   AND jsonb_typeof(coalesce(notification -> 'data', '{}')) = 'object'),
                missed_policy  text NOT NULL DEFAULT 'run_once' CHECK (missed_policy IN ('run_once', 'skip')),
                paused         boolean NOT NULL DEFAULT false,
                next_run_at    timestamptz,
                last_occurrence text,
                released_count bigint NOT NULL DEFAULT 0,
                last_error     text,
                created_at     timestamptz NOT NULL DEFAULT now(),
                updated_at     timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (tenant_id, id)
            );
            CREATE INDEX schedules_due ON notify.schedules (next_run_at) WHERE NOT paused AND next_run_at IS NOT NULL;

            -- The leader's release of one schedule's occurrences, in its tick's transaction: advances
            -- next_run_at if it is still p_expected and the schedule is not paused, and sends one
            -- notification per occurrence key (idempotency key schedule:<id>:<key>). If a send fails
            -- (a row edited by hand, say), that schedule's work is undone and it is paused with the
            -- error in last_error, so one bad schedule never stops the tick. Returns the number
            -- released, or -1 when the schedule was paused for an error.
            CREATE FUNCTION notify.release_schedule(
                p_tenant_id text, p_id text, p_expected timestamptz, p_next timestamptz, p_keys text[],
                p_locals text[]
            ) RETURNS integer LANGUAGE plpgsql AS $$
            DECLARE
                v_n  jsonb;
                v_i  integer;
            BEGIN
                BEGIN
                    UPDATE notify.schedules
                    SET next_run_at = p_next, last_occurrence = coalesce(p_keys[cardinality(p_keys)], last_occurrence),
                        released_count = released_count + cardinality(p_keys), last_error = NULL, updated_at = now()
                    WHERE tenant_id = p_tenant_id AND id = p_id AND next_run_at = p_expected AND NOT paused
                    RETURNING notification INTO v_n;
                    IF NOT FOUND THEN
                        RETURN 0;
                    END IF;
                    FOR v_i IN 1 .. cardinality(p_keys) LOOP
                        PERFORM notify.send(
                            p_tenant_id => p_tenant_id, p_category => v_n ->> 'category',
                            p_users => CASE WHEN v_n ? 'users'
                                            THEN ARRAY(SELECT jsonb_array_elements_text(v_n -> 'users')) END,
                            p_data => coalesce(v_n -> 'data', '{}'::jsonb), p_topic => v_n ->> 'topic',
                            p_template => v_n ->> 'template',
                            p_channels => CASE WHEN v_n ? 'channels'
                                               THEN ARRAY(SELECT jsonb_array_elements_text(v_n -> 'channels')) END,
                            p_priority => v_n ->> 'priority',
                            p_idempotency_key => 'schedule:' || p_id || ':' || p_keys[v_i],
                            p_send_at_local => nullif(p_locals[v_i], '')::timestamp);
                    END LOOP;
                    RETURN cardinality(p_keys);
                EXCEPTION WHEN others THEN
                    UPDATE notify.schedules SET paused = true, last_error = left(SQLERRM, 500), updated_at = now()
                    WHERE tenant_id = p_tenant_id AND id = p_id;
                    RETURN -1;
                END;
            END
            $$;

            DROP FUNCTION notify.send(text, text, text[], jsonb, text, text, text[], timestamptz, text, text);

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
                                       coalesce(p_priority, 'transactional'), v_run_at, p_tenant_id);
                RETURN v_id;
            END
            $$;
            """#)
}
