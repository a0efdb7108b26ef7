extension Migration {
    /// `notify.send_many`: the SQL producer for many notifications in one call. Each is written as
    /// an item of `POST /v1/notifications/batch` (`category`, `to`, `data`, …, `idempotency_key`),
    /// and taken with the same checks, lanes, schedule and wake-up rules as `notify.send`, in a
    /// fixed number of statements whatever the count.
    ///
    /// Each statement a PL/pgSQL function runs starts an executor, and that start-up is most of a
    /// `notify.send` call's cost: 5,000 calls in one transaction took 472–728 ms with nothing else
    /// running, five `notify.send_many` calls of 1,000 of the same notifications 187–332 ms (two
    /// sets of four runs, each pair 2.2–2.9 times apart).
    static let v0019SendMany = Migration(
        version: 19, name: "notify.send_many accepts many notifications in one call",
        sql: #"""
            -- The SQL producer for many notifications: call inside your own transaction; they exist iff you commit.
            CREATE FUNCTION notify.send_many(p_tenant_id text, p_notifications jsonb)
            RETURNS TABLE (ordinal integer, id uuid, replay boolean) LANGUAGE plpgsql AS $$
            #variable_conflict use_column
            DECLARE
                v_problem   text;
                v_found     record;
                v_count     integer;
                v_ords      bigint[];
                v_ids       uuid[];
                v_critical  boolean;
                v_queued    boolean;
                v_mark      text;
                v_times     bigint;
                v_place     bigint;
                v_item      jsonb;
            BEGIN
                IF p_notifications IS NULL OR jsonb_typeof(p_notifications) <> 'array' THEN
                    RAISE EXCEPTION 'p_notifications must be a JSON array of notifications'
                        USING ERRCODE = 'invalid_parameter_value',
                              HINT = 'for example [{"category": "welcome", "to": {"user": "ada"}, "data": {"name": "Ada"}}]';
                END IF;
                v_count := jsonb_array_length(p_notifications);
                IF v_count = 0 OR v_count > 10000 THEN
                    RAISE EXCEPTION 'p_notifications must hold 1 to 10000 notifications (it holds %); send more in further calls', v_count
                        USING ERRCODE = 'invalid_parameter_value';
                END IF;
                SELECT format('p_notifications[%s]: %s', e.ord - 1, c.problem) INTO v_problem
                  FROM jsonb_array_elements(p_notifications) WITH ORDINALITY AS e(n, ord)
                  CROSS JOIN LATERAL (
                      SELECT nullif(e.n -> 'to', 'null') AS recipients,
                             nullif(e.n -> 'data', 'null') AS data, nullif(e.n -> 'template', 'null') AS template,
                             nullif(e.n -> 'channels', 'null') AS channels, nullif(e.n -> 'priority', 'null') AS priority,
                             nullif(e.n -> 'send_at', 'null') AS send_at, nullif(e.n -> 'send_at_local', 'null') AS send_at_local,
                             nullif(e.n -> 'idempotency_key', 'null') AS idempotency_key,
                             (SELECT k FROM jsonb_object_keys(CASE WHEN jsonb_typeof(e.n) = 'object' THEN e.n ELSE '{}' END) AS k
                               WHERE k NOT IN ('category', 'to', 'data', 'template', 'channels', 'send_at',
                                               'send_at_local', 'priority', 'idempotency_key')
                               ORDER BY k LIMIT 1) AS unknown
                  ) f
                  CROSS JOIN LATERAL (
                      SELECT CASE
                          WHEN jsonb_typeof(e.n) <> 'object' THEN 'each notification must be a JSON object'
                          WHEN f.unknown IS NOT NULL THEN format('unknown field "%s"; the fields are category, to, data, template, channels, send_at, send_at_local, priority and idempotency_key', f.unknown)
                          WHEN jsonb_typeof(e.n -> 'category') IS DISTINCT FROM 'string' THEN 'category must be a string, the key of one of the tenant''s categories'
                          WHEN f.recipients IS NULL OR jsonb_typeof(f.recipients) <> 'object'
                              OR (SELECT count(*) FROM jsonb_object_keys(f.recipients) AS k) <> 1
                              OR NOT f.recipients ?| ARRAY['user', 'users', 'topic']
                              THEN 'to must name exactly one of user, users or topic: {"user": "ada"}, {"users": ["ada", "bob"]} or {"topic": "fans"}'
                          WHEN f.recipients ? 'user' AND jsonb_typeof(f.recipients -> 'user') IS DISTINCT FROM 'string'
                              THEN 'to.user must be a string, the user''s external id'
                          WHEN f.recipients ? 'users' AND (jsonb_typeof(f.recipients -> 'users') IS DISTINCT FROM 'array'
                                                           OR jsonb_path_exists(f.recipients -> 'users', '$[*] ? (@.type() != "string")'))
                              THEN 'to.users must be an array of strings, the users'' external ids'
                          WHEN f.recipients ? 'users' AND jsonb_array_length(f.recipients -> 'users') NOT BETWEEN 1 AND 1000
                              THEN 'to.users must hold 1 to 1000 user ids; use a topic for larger audiences'
                          WHEN f.recipients ? 'topic' AND jsonb_typeof(f.recipients -> 'topic') IS DISTINCT FROM 'string'
                              THEN 'to.topic must be a string, the key of a topic'
                          WHEN f.data IS NOT NULL AND jsonb_typeof(f.data) <> 'object' THEN 'data must be a JSON object'
                          WHEN f.template IS NOT NULL AND jsonb_typeof(f.template) <> 'string' THEN 'template must be a string, the key of a template'
                          WHEN f.channels IS NOT NULL AND (jsonb_typeof(f.channels) <> 'array' OR jsonb_path_exists(f.channels, '$[*] ? (@.type() != "string")'))
                              THEN 'channels must be an array of strings'
                          WHEN f.channels IS NOT NULL AND jsonb_array_length(f.channels) = 0
                              THEN 'channels must not be empty; omit it to use the category''s'
                          WHEN f.priority IS NOT NULL AND (jsonb_typeof(f.priority) <> 'string' OR f.priority #>> '{}' NOT IN ('critical', 'transactional', 'bulk'))
                              THEN format('unknown priority %s; use critical, transactional or bulk', f.priority)
                          WHEN f.send_at IS NOT NULL AND f.send_at_local IS NOT NULL
                              THEN 'give at most one of send_at (an instant) and send_at_local (a wall-clock time in each recipient''s zone)'
                          WHEN f.send_at IS NOT NULL AND jsonb_typeof(f.send_at) <> 'string' THEN 'send_at must be a string such as "2026-12-24T09:00:00Z"'
                          WHEN f.send_at_local IS NOT NULL AND jsonb_typeof(f.send_at_local) <> 'string' THEN 'send_at_local must be a string such as "2026-12-24T09:00:00"'
                          WHEN f.idempotency_key IS NOT NULL AND (jsonb_typeof(f.idempotency_key) <> 'string' OR length(f.idempotency_key #>> '{}') NOT BETWEEN 1 AND 255)
                              THEN 'idempotency_key must be a string of 1 to 255 characters'
                      END AS problem
                  ) c
                 WHERE c.problem IS NOT NULL
                 ORDER BY e.ord
                 LIMIT 1;
                IF v_problem IS NOT NULL THEN
                    RAISE EXCEPTION '%', v_problem USING ERRCODE = 'invalid_parameter_value';
                END IF;
                -- Times are parsed here, so that one PostgreSQL cannot read is named with its place.
                BEGIN
                    SELECT count((e.n ->> 'send_at')::timestamptz) + count((e.n ->> 'send_at_local')::timestamp) INTO v_times
                      FROM jsonb_array_elements(p_notifications) AS e(n)
                     WHERE e.n ? 'send_at' OR e.n ? 'send_at_local';
                EXCEPTION WHEN data_exception THEN
                    FOR v_place, v_item IN
                        SELECT e.ord - 1, e.n FROM jsonb_array_elements(p_notifications) WITH ORDINALITY AS e(n, ord)
                         WHERE e.n ? 'send_at' OR e.n ? 'send_at_local' ORDER BY e.ord
                    LOOP
                        BEGIN
                            PERFORM (v_item ->> 'send_at')::timestamptz, (v_item ->> 'send_at_local')::timestamp;
                        EXCEPTION WHEN data_exception THEN
                            RAISE EXCEPTION 'p_notifications[%]: % is not a time PostgreSQL can read; write it like %', v_place,
                                  CASE WHEN v_item ? 'send_at' THEN 'send_at ' || (v_item -> 'send_at')::text
                                       ELSE 'send_at_local ' || (v_item -> 'send_at_local')::text END,
                                  CASE WHEN v_item ? 'send_at' THEN '"2026-12-24T09:00:00Z"' ELSE '"2026-12-24T09:00:00"' END
                                USING ERRCODE = 'invalid_parameter_value';
                        END;
                    END LOOP;
                    RAISE;
                END;
                SELECT t.id AS tenant, f.name AS function, f.max_attempts
                  INTO v_found
                  FROM notify.tenants t
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
                WITH input AS MATERIALIZED (
                    SELECT e.ord, gen_random_uuid() AS new_id, e.n ->> 'category' AS category, e.n ->> 'template' AS template,
                           CASE WHEN e.n -> 'to' ? 'topic' THEN jsonb_build_object('topic', e.n -> 'to' -> 'topic')
                                WHEN e.n -> 'to' ? 'user' THEN jsonb_build_object('users', jsonb_build_array(e.n -> 'to' -> 'user'))
                                ELSE jsonb_build_object('users', e.n -> 'to' -> 'users') END AS recipients,
                           coalesce(nullif(e.n -> 'data', 'null'), '{}') AS data,
                           CASE WHEN jsonb_typeof(e.n -> 'channels') = 'array'
                                THEN ARRAY(SELECT jsonb_array_elements_text(e.n -> 'channels')) END AS channels,
                           e.n ->> 'priority' AS priority, (e.n ->> 'send_at')::timestamptz AS send_at,
                           (e.n ->> 'send_at_local')::timestamp AS send_at_local, e.n ->> 'idempotency_key' AS idempotency_key
                      FROM jsonb_array_elements(p_notifications) WITH ORDINALITY AS e(n, ord)
                ), staged AS MATERIALIZED (
                    SELECT i.*, CASE i.priority WHEN 'critical' THEN 0 WHEN 'transactional' THEN 1 WHEN 'bulk' THEN 2
                                    ELSE CASE WHEN c.critical THEN 0 WHEN c.kind = 'marketing' THEN 2 ELSE 1 END END::smallint AS job_lane,
                           CASE WHEN i.send_at_local IS NOT NULL THEN (i.send_at_local - interval '14 hours') AT TIME ZONE 'UTC'
                                ELSE i.send_at END AS run_at
                      FROM input i
                      LEFT JOIN notify.categories c ON c.tenant_id = p_tenant_id AND c.key = i.category
                ), timed AS MATERIALIZED (
                    SELECT s.*, s.send_at_local IS NOT NULL OR (s.run_at IS NOT NULL AND s.run_at > now()) AS scheduled FROM staged s
                ), inserted AS (
                    INSERT INTO notify.notifications
                        (id, tenant_id, category_key, template_key, recipients, data, channels, lane, send_at, send_at_local,
                         status, idempotency_key)
                    SELECT t.new_id, p_tenant_id, t.category, t.template, t.recipients, t.data, t.channels, t.priority, t.send_at,
                           t.send_at_local, CASE WHEN t.scheduled THEN 'scheduled' ELSE 'accepted' END, t.idempotency_key
                      FROM timed t ORDER BY t.ord
                    ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
                    RETURNING notifications.id
                ), accepted AS MATERIALIZED (
                    SELECT t.* FROM timed t JOIN inserted i ON i.id = t.new_id
                ), events AS (
                    INSERT INTO notify.events (tenant_id, notification_id, kind, detail)
                    SELECT p_tenant_id, a.new_id, CASE WHEN a.scheduled THEN 'scheduled' ELSE 'accepted' END,
                           CASE WHEN a.send_at_local IS NULL THEN jsonb_build_object('via', 'sql')
                                ELSE jsonb_build_object('via', 'sql', 'send_at_local',
                                                        to_char(a.send_at_local, 'YYYY-MM-DD"T"HH24:MI:SS')) END
                      FROM accepted a ORDER BY a.ord
                ), later AS (
                    INSERT INTO notify.scheduled_jobs (id, queue, lane, run_at, payload, tenant_id, max_attempts)
                    SELECT nextval(pg_get_serial_sequence('notify.jobs', 'id')), 'validate', a.job_lane, a.run_at,
                           jsonb_build_object('tenant_id', p_tenant_id, 'notification_id', a.new_id), p_tenant_id,
                           v_found.max_attempts
                      FROM accepted a WHERE coalesce(a.run_at, now()) > now() + interval '30 seconds' ORDER BY a.ord
                ), queued AS (
                    INSERT INTO notify.jobs (queue, lane, run_at, payload, tenant_id, max_attempts)
                    SELECT 'validate', a.job_lane, coalesce(a.run_at, now()),
                           jsonb_build_object('tenant_id', p_tenant_id, 'notification_id', a.new_id), p_tenant_id,
                           v_found.max_attempts
                      FROM accepted a WHERE coalesce(a.run_at, now()) <= now() + interval '30 seconds' ORDER BY a.ord
                    RETURNING jobs.lane
                )
                SELECT array_agg(a.ord ORDER BY a.ord), array_agg(a.new_id ORDER BY a.ord),
                       (SELECT bool_or(q.lane = 0) FROM queued q), (SELECT count(*) > 0 FROM queued q)
                  INTO v_ords, v_ids, v_critical, v_queued
                  FROM accepted a;
                IF v_critical THEN
                    PERFORM pg_notify('notify_jobs', 'validate');
                ELSIF v_queued THEN
                    v_mark := 'validate@' || floor(extract(epoch FROM clock_timestamp()) * 50)::bigint;
                    IF current_setting('notify.wake_checked', true) IS DISTINCT FROM v_mark THEN
                        PERFORM set_config('notify.wake_checked', v_mark, true);
                        IF notify.wake_due('validate') THEN
                            PERFORM pg_notify('notify_jobs', 'validate');
                        END IF;
                    END IF;
                END IF;
                RETURN QUERY
                SELECT (e.ord - 1)::integer, coalesce(a.id, n.id), a.id IS NULL
                  FROM jsonb_array_elements(p_notifications) WITH ORDINALITY AS e(n, ord)
                  LEFT JOIN unnest(v_ords, v_ids) AS a(ord, id) ON a.ord = e.ord
                  LEFT JOIN notify.notifications n
                         ON a.id IS NULL AND n.tenant_id = p_tenant_id AND n.idempotency_key = e.n ->> 'idempotency_key'
                 ORDER BY e.ord;
            END
            $$;
            """#)
}
