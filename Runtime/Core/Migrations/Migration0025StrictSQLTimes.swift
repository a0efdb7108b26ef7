extension Migration {
    /// The SQL producers take the send times the HTTP API takes. `notify.send_many` cast `send_at`
    /// and `send_at_local` with PostgreSQL's own input functions, which also read `tomorrow`,
    /// `today`, `epoch`, `infinity` (never sent) and an instant without an offset (in the session's
    /// zone); the API refuses all of them.
    ///
    /// - `notify.parse_send_at(text, place)`: an ISO 8601 date-time with seconds (up to nine
    ///   decimals) and an offset (`Z`, `±hh`, `±hhmm`, `±hh:mm`, at most 18 hours).
    /// - `notify.parse_send_at_local(text, place)`: `YYYY-MM-DDTHH:MM[:SS]` (or a space for the
    ///   `T`), no offset.
    /// - Both take real dates and times only (no February 30, no 24:00, no leap second), through
    ///   `notify.civil_time`, and refuse anything else with SQLSTATE 22023 naming the place:
    ///   `p_notifications[0].send_at: "tomorrow" is not an ISO 8601 time with an offset, such as
    ///   2026-12-24T09:00:00Z`. Arithmetic, not casts: the result does not depend on the session's
    ///   `TimeZone` or `DateStyle`.
    /// - `notify.send_time_refusal(time, instant)`: the API's `SendTimeWindow`, ten years back to ten
    ///   years ahead in whole UTC days; `send_many` names the item (`p_notifications[0].send_at:
    ///   "2040-01-01T00:00:00Z" is outside the accepted range: from … to … (ten years back to ten years
    ///   ahead)`), `notify.send` its parameter (its times are typed: a literal is read by the call).
    ///
    /// Only the reading of times changes in the two producers. `CREATE OR REPLACE` in one
    /// transaction: it can run again after an interruption.
    static let v0025StrictSQLTimes = Migration(
        version: 25, name: "the SQL producers read times as the HTTP API does",
        sql: #"""
            -- A wall-clock date and time from its fields, or NULL when there is none such: a year 1 to 9999, a
            -- day of that month, 00:00:00 to 23:59:59 (seconds may have decimals). Never raises, never reads
            -- the session's settings.
            CREATE OR REPLACE FUNCTION notify.civil_time(
                p_year integer, p_month integer, p_day integer, p_hour integer, p_minute integer, p_second float8
            ) RETURNS timestamp LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
            BEGIN
                IF p_year NOT BETWEEN 1 AND 9999 OR p_month NOT BETWEEN 1 AND 12 OR p_hour NOT BETWEEN 0 AND 23
                   OR p_minute NOT BETWEEN 0 AND 59 OR NOT (p_second >= 0 AND p_second < 60)
                   OR p_day NOT BETWEEN 1 AND (CASE WHEN p_month = 2 AND p_year % 4 = 0 AND (p_year % 100 <> 0 OR p_year % 400 = 0) THEN 29
                                                    WHEN p_month = 2 THEN 28
                                                    WHEN p_month IN (4, 6, 9, 11) THEN 30
                                                    ELSE 31 END)
                THEN
                    RETURN NULL;
                END IF;
                RETURN make_timestamp(p_year, p_month, p_day, p_hour, p_minute, p_second);
            END
            $$;

            -- send_at as the HTTP API takes it: an ISO 8601 date-time with seconds (up to nine decimals) and an
            -- offset (Z, ±hh, ±hhmm or ±hh:mm, at most 18 hours). NULL for NULL; anything else is refused
            -- (22023) naming p_place, such as p_notifications[0].send_at. PostgreSQL's own cast would also
            -- take 'tomorrow', 'epoch', 'infinity' and a time without an offset (read in the session's zone).
            CREATE OR REPLACE FUNCTION notify.parse_send_at(p_text text, p_place text)
            RETURNS timestamptz LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
            DECLARE
                v_tail    text;
                v_at      integer;
                v_zone    text;
                v_time    timestamp;
                v_offset  integer;
            BEGIN
                IF p_text IS NULL THEN
                    RETURN NULL;
                END IF;
                -- A match without capture groups: PostgreSQL's regular expressions are some fifty times
                -- slower with them. The fields then sit at fixed places; the offset follows the seconds.
                IF p_text ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$' THEN
                    v_tail := substr(p_text, 20);
                    v_at := CASE WHEN right(v_tail, 1) IN ('Z', 'z') THEN length(v_tail)
                                 ELSE greatest(strpos(v_tail, '+'), strpos(v_tail, '-')) END;
                    v_zone := substr(v_tail, v_at);
                    v_time := notify.civil_time(substr(p_text, 1, 4)::integer, substr(p_text, 6, 2)::integer,
                                                substr(p_text, 9, 2)::integer, substr(p_text, 12, 2)::integer,
                                                substr(p_text, 15, 2)::integer,
                                                (substr(p_text, 18, 2) || substr(v_tail, 1, v_at - 1))::float8);
                    v_offset := CASE WHEN length(v_zone) = 1 THEN 0
                                     WHEN length(v_zone) = 3 THEN substr(v_zone, 2, 2)::integer * 60
                                     WHEN right(v_zone, 2)::integer > 59 THEN NULL
                                     ELSE substr(v_zone, 2, 2)::integer * 60 + right(v_zone, 2)::integer END;
                END IF;
                IF v_time IS NULL OR v_offset IS NULL OR v_offset > 18 * 60 THEN
                    RAISE EXCEPTION '%: % is not an ISO 8601 time with an offset, such as 2026-12-24T09:00:00Z',
                          p_place, to_jsonb(left(p_text, 40))
                        USING ERRCODE = 'invalid_parameter_value',
                              HINT = 'for a wall-clock time in each recipient''s own zone, use send_at_local';
                END IF;
                RETURN timezone('UTC', v_time - make_interval(mins => CASE left(v_zone, 1) WHEN '-' THEN -v_offset ELSE v_offset END));
            END
            $$;

            -- send_at_local as the HTTP API takes it: YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS (a space for the T
            -- will do), with no offset. NULL for NULL; anything else is refused (22023) naming p_place.
            CREATE OR REPLACE FUNCTION notify.parse_send_at_local(p_text text, p_place text)
            RETURNS timestamp LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
            DECLARE
                v_time  timestamp;
            BEGIN
                IF p_text IS NULL THEN
                    RETURN NULL;
                END IF;
                IF p_text ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?$' THEN
                    v_time := notify.civil_time(substr(p_text, 1, 4)::integer, substr(p_text, 6, 2)::integer,
                                                substr(p_text, 9, 2)::integer, substr(p_text, 12, 2)::integer,
                                                substr(p_text, 15, 2)::integer, coalesce(nullif(substr(p_text, 18, 2), ''), '0')::float8);
                END IF;
                IF v_time IS NULL THEN
                    RAISE EXCEPTION '%: % is not a local date-time YYYY-MM-DDTHH:MM[:SS] without an offset, such as 2026-12-24T09:00:00',
                          p_place, to_jsonb(left(p_text, 40))
                        USING ERRCODE = 'invalid_parameter_value';
                END IF;
                RETURN v_time;
            END
            $$;

            -- Why a send time is refused, or NULL when it is taken: the HTTP API's SendTimeWindow, from 00:00:00
            -- of the UTC day 3,653 days before today to 23:59:59 of the day 3,653 days after it (ten years back, ten
            -- years ahead). p_time is a wall time (send_at_local) or an instant read in UTC (send_at). Further
            -- back is a mistake rather than "at once"; further ahead (infinity among them) is never sent.
            CREATE OR REPLACE FUNCTION notify.send_time_refusal(p_time timestamp, p_instant boolean)
            RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
                SELECT format('is outside the accepted range: from %s%s to %s%s (ten years back to ten years ahead)%s',
                              to_char(w.earliest, 'YYYY-MM-DD"T"HH24:MI:SS'), CASE WHEN p_instant THEN 'Z' ELSE '' END,
                              to_char(w.latest, 'YYYY-MM-DD"T"HH24:MI:SS'), CASE WHEN p_instant THEN 'Z' ELSE '' END,
                              CASE WHEN p_instant THEN '' ELSE ', as a wall-clock time with no offset' END)
                  FROM (SELECT (now() AT TIME ZONE 'UTC')::date - 3653 + time '00:00:00' AS earliest,
                               (now() AT TIME ZONE 'UTC')::date + 3653 + time '23:59:59' AS latest) w
                 WHERE p_time < w.earliest OR p_time > w.latest
            $$;

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
                v_refusal     text;
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
                -- Typed already (a literal is read by the call); only the window the HTTP API takes.
                IF p_send_at IS NOT NULL OR p_send_at_local IS NOT NULL THEN
                    v_refusal := notify.send_time_refusal(coalesce(p_send_at AT TIME ZONE 'UTC', p_send_at_local), p_send_at IS NOT NULL);
                    IF v_refusal IS NOT NULL THEN
                        RAISE EXCEPTION '%: % %', CASE WHEN p_send_at IS NOT NULL THEN 'p_send_at' ELSE 'p_send_at_local' END,
                              coalesce(p_send_at::text, p_send_at_local::text), v_refusal
                            USING ERRCODE = 'invalid_parameter_value';
                    END IF;
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

            -- The SQL producer for many notifications: call inside your own transaction; they exist iff you commit.
            CREATE OR REPLACE FUNCTION notify.send_many(p_tenant_id text, p_notifications jsonb)
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
                v_timed     bigint[];
                v_send_at   timestamptz[];
                v_local     timestamp[];
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
                -- Times are read here, as the HTTP API reads them, so that a bad one is named with its place
                -- before anything is looked up or written (the aggregate reads its rows in the array's order).
                SELECT array_agg(e.ord ORDER BY e.ord),
                       array_agg(CASE WHEN e.n ? 'send_at' THEN notify.parse_send_at(
                                     e.n ->> 'send_at', format('p_notifications[%s].send_at', e.ord - 1)) END ORDER BY e.ord),
                       array_agg(CASE WHEN e.n ? 'send_at_local' THEN notify.parse_send_at_local(
                                     e.n ->> 'send_at_local', format('p_notifications[%s].send_at_local', e.ord - 1)) END
                                 ORDER BY e.ord)
                  INTO v_timed, v_send_at, v_local
                  FROM jsonb_array_elements(p_notifications) WITH ORDINALITY AS e(n, ord)
                 WHERE e.n ? 'send_at' OR e.n ? 'send_at_local';
                SELECT format('p_notifications[%s].%s: %s %s', t.ord - 1, f.field, p_notifications -> (t.ord - 1)::integer -> f.field, r.refusal)
                  INTO v_problem
                  FROM unnest(v_timed, v_send_at, v_local) AS t(ord, send_at, send_at_local)
                  CROSS JOIN LATERAL (SELECT CASE WHEN t.send_at IS NOT NULL THEN 'send_at' ELSE 'send_at_local' END AS field) f
                  CROSS JOIN LATERAL (SELECT notify.send_time_refusal(coalesce(t.send_at AT TIME ZONE 'UTC', t.send_at_local),
                                                                      t.send_at IS NOT NULL) AS refusal) r
                 WHERE (t.send_at IS NOT NULL OR t.send_at_local IS NOT NULL) AND r.refusal IS NOT NULL
                 ORDER BY t.ord
                 LIMIT 1;
                IF v_problem IS NOT NULL THEN
                    RAISE EXCEPTION '%', v_problem USING ERRCODE = 'invalid_parameter_value';
                END IF;
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
                           e.n ->> 'priority' AS priority, t.send_at, t.send_at_local, e.n ->> 'idempotency_key' AS idempotency_key
                      FROM jsonb_array_elements(p_notifications) WITH ORDINALITY AS e(n, ord)
                      LEFT JOIN unnest(v_timed, v_send_at, v_local) AS t(ord, send_at, send_at_local) ON t.ord = e.ord
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
