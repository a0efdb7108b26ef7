import PostgresNIO

/// The tick's statement that starts `deliver-status-events` jobs for event subscriptions.
///
/// A subscription is due when it is enabled, not in flight, past its backoff
/// (`updated_at + least(2^failures, 600)` seconds after a failure) and its tenant has an event
/// after its cursor that is older than two seconds. Any newer event counts, not only the kinds it
/// subscribed to: the job then moves the cursor past skipped kinds without a POST, which keeps
/// this probe one index lookup instead of a scan over every skipped event.
///
/// Recovery: `in_flight` is cleared, counting a failure, when no job for the subscription exists
/// any more (its last attempt failed and it was dead-lettered, or an operator discarded it). A
/// successful or failed POST clears it in the job's own completion; the job row and the flag
/// change in one transaction, so a live job is never mistaken for a lost one. Only subscriptions
/// in flight for over a minute (`updated_at`, set at dispatch) are checked, which keeps the
/// probe of the job tables off the common path. Cleared rows are dispatched again after the
/// backoff. The probe looks for the job once among ready jobs and once among running ones, so
/// each half reads an index (`jobs_claimable`, `jobs_leased`) rather than the whole queue: a
/// subscription waits that long exactly when the queue is long.
///
/// The dispatch runs only when `deliver-status-events` is published in `notify.functions`, so a
/// deployment without it never fails its ticks on `notify.enqueue`'s unknown-function error.
enum StatusEventDispatch {
    static let statement: PostgresQuery = """
        WITH lost AS (
            UPDATE notify.event_subscriptions s
            SET in_flight = false, failures = s.failures + 1, updated_at = clock_timestamp(),
                last_error = 'job_lost: the delivery job ended without completing (see notify dead); retrying'
            WHERE s.in_flight AND s.updated_at < clock_timestamp() - interval '1 minute'
              AND NOT EXISTS (SELECT 1 FROM notify.jobs j WHERE j.state = 'ready' AND j.queue = 'deliver-status-events'
                              AND j.payload ->> 'tenant_id' = s.tenant_id AND j.payload ->> 'subscription_id' = s.id)
              AND NOT EXISTS (SELECT 1 FROM notify.jobs j WHERE j.state = 'running' AND j.queue = 'deliver-status-events'
                              AND j.payload ->> 'tenant_id' = s.tenant_id AND j.payload ->> 'subscription_id' = s.id)
              AND NOT EXISTS (SELECT 1 FROM notify.scheduled_jobs j WHERE j.queue = 'deliver-status-events'
                              AND j.payload ->> 'tenant_id' = s.tenant_id AND j.payload ->> 'subscription_id' = s.id)
            RETURNING s.id
        ), due AS (
            UPDATE notify.event_subscriptions s SET in_flight = true, updated_at = clock_timestamp()
            WHERE s.enabled AND NOT s.in_flight
              AND (s.failures = 0
                   OR s.updated_at + make_interval(secs => least(power(2, least(s.failures, 10)), 600))
                      <= clock_timestamp())
              AND EXISTS (SELECT 1 FROM notify.functions f WHERE f.name = 'deliver-status-events')
              AND EXISTS (SELECT 1 FROM notify.events e
                          WHERE e.tenant_id = s.tenant_id AND e.id > s.cursor
                            AND e.at < clock_timestamp() - interval '2 seconds')
            RETURNING s.tenant_id, s.id
        )
        SELECT notify.enqueue('deliver-status-events',
                              jsonb_build_object('tenant_id', d.tenant_id, 'subscription_id', d.id),
                              'bulk', NULL, d.tenant_id)
        FROM due d
        """
}
