extension Migration {
    /// The runtime's queue tables.
    ///
    /// Storage choices for the hot table `notify.jobs`: rows live only from enqueue to completion
    /// (successful rows are deleted; outcomes live in the delivery tables), so the table stays small
    /// but churns fast. `fillfactor = 70` leaves room on each page for the claim's update; vacuum runs
    /// after 1 % of the table changed, without cost-based throttling, so dead tuples left by
    /// claims and deletes are reclaimed before they slow the claim's index scan. The partial index
    /// `jobs_claimable` holds only ready rows, ordered the way the claim reads them, so a claim is a
    /// short index range scan however many rows are running. Jobs due later than a short horizon go
    /// to `notify.scheduled_jobs` and are promoted by the leader, so future work never sits in
    /// the claim's path. There is deliberately no index on `locked_until`: every claim would pay for
    /// it, while only the leader's once-a-tick lease rescue reads it, and a scan of the (small) hot
    /// table serves that.
    static let v0001Runtime = Migration(
        version: 1, name: "runtime queue tables",
        sql: #"""
            CREATE TABLE notify.functions (
                name          text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9-]{0,62}$'),
                max_attempts  integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
                default_lane  smallint NOT NULL DEFAULT 1 CHECK (default_lane BETWEEN 0 AND 2),
                updated_at    timestamptz NOT NULL DEFAULT now()
            );
            INSERT INTO notify.functions (name, max_attempts, default_lane) VALUES
                ('validate', 5, 1), ('preference-filter', 5, 1), ('render', 5, 1),
                ('send-email', 8, 1), ('send-sms', 8, 1), ('send-push', 8, 1), ('send-inapp', 5, 1),
                ('send-webhook', 10, 1), ('webhook-ingest', 10, 1), ('schedule-tick', 1, 0),
                ('noop', 5, 1), ('probe', 5, 1);

            CREATE TABLE notify.jobs (
                id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                queue         text NOT NULL,
                lane          smallint NOT NULL DEFAULT 1 CHECK (lane BETWEEN 0 AND 2),
                state         text NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'running')),
                run_at        timestamptz NOT NULL DEFAULT now(),
                payload       jsonb NOT NULL,
                tenant_id     text,
                attempt       integer NOT NULL DEFAULT 0,
                max_attempts  integer NOT NULL DEFAULT 5,
                fence         bigint NOT NULL DEFAULT 0,
                locked_by     text,
                locked_until  timestamptz,
                errors        jsonb NOT NULL DEFAULT '[]',
                created_at    timestamptz NOT NULL DEFAULT now()
            ) WITH (
                fillfactor = 70,
                autovacuum_vacuum_scale_factor = 0.01,
                autovacuum_vacuum_threshold = 1000,
                autovacuum_vacuum_insert_scale_factor = 0.05,
                autovacuum_analyze_scale_factor = 0.02,
                autovacuum_vacuum_cost_delay = 0
            );
            CREATE INDEX jobs_claimable ON notify.jobs (queue, lane, run_at, id) WHERE state = 'ready';

            CREATE TABLE notify.scheduled_jobs (
                id            bigint PRIMARY KEY,
                queue         text NOT NULL,
                lane          smallint NOT NULL DEFAULT 1,
                run_at        timestamptz NOT NULL,
                payload       jsonb NOT NULL,
                tenant_id     text,
                max_attempts  integer NOT NULL DEFAULT 5,
                created_at    timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX scheduled_jobs_due ON notify.scheduled_jobs (run_at, id);

            CREATE TABLE notify.dead_jobs (
                id            bigint PRIMARY KEY,
                queue         text NOT NULL,
                lane          smallint NOT NULL,
                payload       jsonb NOT NULL,
                tenant_id     text,
                attempts      integer NOT NULL,
                max_attempts  integer NOT NULL,
                errors        jsonb NOT NULL,
                created_at    timestamptz NOT NULL,
                died_at       timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX dead_jobs_by_queue ON notify.dead_jobs (queue, died_at);

            CREATE TABLE notify.leader (
                id            integer PRIMARY KEY CHECK (id = 1),
                term          bigint NOT NULL,
                holder        text,
                elected_at    timestamptz,
                last_tick_at  timestamptz
            );
            INSERT INTO notify.leader (id, term) VALUES (1, 0);

            CREATE TABLE notify.leader_ticks (
                term          bigint NOT NULL,
                holder        text NOT NULL,
                started_at    timestamptz NOT NULL,
                finished_at   timestamptz NOT NULL
            );
            CREATE INDEX leader_ticks_by_time ON notify.leader_ticks (started_at);

            -- The SQL producer: call inside your own transaction; the job exists iff you commit.
            CREATE FUNCTION notify.enqueue(
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
                    PERFORM pg_notify('notify_jobs', p_function);
                END IF;
                RETURN v_id;
            END
            $$;
            """#)
}
