extension Migration {
    /// The SQL producer wakes workers at most once per function per 20 ms (critical jobs always).
    ///
    /// `notify.enqueue` (and so `notify.send`) used to `pg_notify` on every call. PostgreSQL
    /// serialises the commits of all transactions that notify (a database-wide lock from the
    /// notify until the commit is flushed), so an application calling `notify.send` once in each of
    /// its own transactions could commit only as fast as one WAL flush after another: with pgbench,
    /// 16 connections and one `notify.send` per transaction, 2,500 commits/s with the notify and
    /// 6,250/s without it.
    ///
    /// A wake-up is a hint, and one per short interval is enough (the runtime's own producer has
    /// throttled the same way from the start, see `WakeupThrottle`). The last 20 ms bucket in which
    /// a function's jobs notified is kept in a sequence of its own (`notify."wake_<function>"`):
    /// sequences are not transactional, so the mark is seen at once by every other transaction,
    /// and nobody waits for anybody's row lock. `notify.wake_due` reads and moves the mark; two
    /// transactions may both notify at a bucket's edge, which is harmless.
    ///
    /// What it costs: a transaction that skipped its notify relies on the one that notified in the
    /// same bucket. If that one commits later or rolls back, the skipped jobs are found by a
    /// worker's next claim: a worker claims again whenever its jobs' outcomes are written, and
    /// every worker polls at least once a second.
    static let v0014ThrottledSQLWakeups = Migration(
        version: 14, name: "throttled wake-ups from the SQL producer",
        sql: #"""
            CREATE FUNCTION notify.wake_sequence(p_function text) RETURNS text
            LANGUAGE sql IMMUTABLE AS $$ SELECT format('notify.%I', 'wake_' || p_function) $$;

            -- Runs as its owner (the role that migrates), so a process that publishes a new function
            -- needs no right to create objects in the schema.
            CREATE FUNCTION notify.functions_wake_sequence() RETURNS trigger
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            BEGIN
                EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %s', notify.wake_sequence(NEW.name));
                RETURN NEW;
            END
            $$;

            CREATE TRIGGER functions_wake_sequence AFTER INSERT ON notify.functions
                FOR EACH ROW EXECUTE FUNCTION notify.functions_wake_sequence();

            DO $$
            DECLARE
                f record;
            BEGIN
                FOR f IN SELECT name FROM notify.functions LOOP
                    EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %s', notify.wake_sequence(f.name));
                END LOOP;
            END
            $$;

            -- Whether a wake-up for p_function's jobs is due at p_at: true at most once per 20 ms
            -- bucket (and always for a function without its sequence). Runs as its owner, so callers
            -- need no rights on the sequences.
            CREATE FUNCTION notify.wake_due(p_function text, p_at timestamptz DEFAULT clock_timestamp())
            RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            DECLARE
                v_sequence regclass := to_regclass(notify.wake_sequence(p_function));
                v_bucket   bigint := floor(extract(epoch FROM p_at) * 50)::bigint;
            BEGIN
                IF v_sequence IS NULL THEN
                    RETURN true;
                END IF;
                IF coalesce(pg_sequence_last_value(v_sequence), 0) >= v_bucket THEN
                    RETURN false;
                END IF;
                PERFORM setval(v_sequence, v_bucket);
                RETURN true;
            END
            $$;

            CREATE OR REPLACE FUNCTION notify.enqueue(
                p_function  text,
                p_payload   jsonb DEFAULT '{}',
                p_lane      text DEFAULT NULL,
                p_run_at    timestamptz DEFAULT NULL,
                p_tenant_id text DEFAULT NULL
            ) RETURNS bigint LANGUAGE plpgsql AS $$
            DECLARE
                v_function notify.functions%ROWTYPE;
                v_lane     smallint;
                v_run_at   timestamptz := coalesce(p_run_at, now());
                v_id       bigint;
            BEGIN
                SELECT * INTO v_function FROM notify.functions WHERE name = p_function;
                IF NOT FOUND THEN
                    RAISE EXCEPTION 'unknown function "%"', p_function
                        USING ERRCODE = 'invalid_parameter_value',
                              HINT = 'use one of: ' || (SELECT string_agg(name, ', ' ORDER BY name) FROM notify.functions);
                END IF;
                IF p_payload IS NULL OR jsonb_typeof(p_payload) <> 'object' THEN
                    RAISE EXCEPTION 'the payload for "%" must be a JSON object', p_function
                        USING ERRCODE = 'invalid_parameter_value', HINT = 'pass for example ''{"key": "value"}''::jsonb';
                END IF;
                v_lane := CASE lower(coalesce(p_lane, ''))
                    WHEN '' THEN v_function.default_lane
                    WHEN 'critical' THEN 0 WHEN 'transactional' THEN 1 WHEN 'bulk' THEN 2
                    ELSE NULL END;
                IF v_lane IS NULL THEN
                    RAISE EXCEPTION 'unknown lane "%"', p_lane
                        USING ERRCODE = 'invalid_parameter_value', HINT = 'use critical, transactional or bulk';
                END IF;
                IF v_run_at > now() + interval '30 seconds' THEN
                    INSERT INTO notify.scheduled_jobs (id, queue, lane, run_at, payload, tenant_id, max_attempts)
                    VALUES (nextval(pg_get_serial_sequence('notify.jobs', 'id')), p_function, v_lane, v_run_at,
                            p_payload, p_tenant_id, v_function.max_attempts)
                    RETURNING id INTO v_id;
                ELSE
                    INSERT INTO notify.jobs (queue, lane, run_at, payload, tenant_id, max_attempts)
                    VALUES (p_function, v_lane, v_run_at, p_payload, p_tenant_id, v_function.max_attempts)
                    RETURNING id INTO v_id;
                    -- Critical jobs always ring; the others at most once per function per 20 ms.
                    IF v_lane = 0 OR notify.wake_due(p_function) THEN
                        PERFORM pg_notify('notify_jobs', p_function);
                    END IF;
                END IF;
                RETURN v_id;
            END
            $$;
            """#)
}
