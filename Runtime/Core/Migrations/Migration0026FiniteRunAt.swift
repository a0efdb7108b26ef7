extension Migration {
    /// `notify.enqueue` refuses a `p_run_at` of `infinity` or `-infinity` (SQLSTATE 22023): the
    /// first left a scheduled job that never runs, the second one that runs at once while it reads
    /// as never. The rest of the function is 0017's, unchanged.
    static let v0026FiniteRunAt = Migration(
        version: 26, name: "notify.enqueue takes finite run times only",
        sql: #"""
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
                v_mark     text;
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
                IF NOT isfinite(v_run_at) THEN
                    RAISE EXCEPTION 'p_run_at must be a finite time, not %', p_run_at
                        USING ERRCODE = 'invalid_parameter_value',
                              HINT = 'pass NULL to run at once, or a time such as now() + interval ''5 minutes''';
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
                    -- Critical jobs always ring; the others at most once per function per 20 ms, asked
                    -- once per bucket in a transaction.
                    IF v_lane = 0 THEN
                        PERFORM pg_notify('notify_jobs', p_function);
                    ELSE
                        v_mark := p_function || '@' || floor(extract(epoch FROM clock_timestamp()) * 50)::bigint;
                        IF current_setting('notify.wake_checked', true) IS DISTINCT FROM v_mark THEN
                            PERFORM set_config('notify.wake_checked', v_mark, true);
                            IF notify.wake_due(p_function) THEN
                                PERFORM pg_notify('notify_jobs', p_function);
                            END IF;
                        END IF;
                    END IF;
                END IF;
                RETURN v_id;
            END
            $$;
            """#)
}
