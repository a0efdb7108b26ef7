extension Migration {
    /// A schedule remembers the notification its latest occurrence sent
    /// (`schedules.last_notification_id`), so `GET /v1/schedules/{id}` can show that
    /// notification's status: a schedule whose notifications the pipeline refuses (a template
    /// variable missing, a recipient deleted) goes on releasing, and this is where its owner sees it.
    ///
    /// `notify.release_schedule` is 0006's with the last `notify.send` answer kept; the rest is
    /// unchanged.
    static let v0028ScheduleLastNotification = Migration(
        version: 28, name: "a schedule remembers its latest notification",
        sql: #"""
            ALTER TABLE notify.schedules ADD COLUMN last_notification_id uuid;

            CREATE OR REPLACE FUNCTION notify.release_schedule(
                p_tenant_id text, p_id text, p_expected timestamptz, p_next timestamptz, p_keys text[],
                p_locals text[]
            ) RETURNS integer LANGUAGE plpgsql AS $$
            DECLARE
                v_n     jsonb;
                v_i     integer;
                v_last  uuid;
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
                        v_last := notify.send(
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
                    IF v_last IS NOT NULL THEN
                        UPDATE notify.schedules SET last_notification_id = v_last
                        WHERE tenant_id = p_tenant_id AND id = p_id;
                    END IF;
                    RETURN cardinality(p_keys);
                EXCEPTION WHEN others THEN
                    UPDATE notify.schedules SET paused = true, last_error = left(SQLERRM, 500), updated_at = now()
                    WHERE tenant_id = p_tenant_id AND id = p_id;
                    RETURN -1;
                END;
            END
            $$;
            """#)
}
