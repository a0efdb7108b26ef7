extension Migration {
    /// The leader's maintenance finds expired leases, old dead jobs and status-event jobs through
    /// indexes.
    ///
    /// Every tick (one a second by default) `schedule-tick` looks for running jobs whose lease ran
    /// out, and for dead jobs past their retention; it also checks that an event subscription in
    /// flight for over a minute still has its job. None of these had an index: each tick read all
    /// of `notify.jobs`, ready backlog included, and all of `notify.dead_jobs`. With 300,000 jobs
    /// queued (71 MB) the expired-lease lookup took 69–77 ms every second, and the status-event
    /// check 42 ms in three processes; through the indexes they take 0.05 and 0.6 ms.
    ///
    /// `jobs_leased` holds only running jobs, so a ready job costs it nothing; each claim adds one
    /// entry. `scheduled_jobs_status_events` holds only `deliver-status-events` jobs. The indexes
    /// are built `CONCURRENTLY`, so jobs keep being claimed while they build; a build interrupted
    /// by a crash leaves an invalid index, which the next run drops first.
    static let v0020TickIndexes = Migration(
        version: 20,
        name: "the leader's tick finds expired leases, old dead jobs and status-event jobs through indexes",
        sql: #"""
            DROP INDEX CONCURRENTLY IF EXISTS notify.jobs_leased;
            CREATE INDEX CONCURRENTLY jobs_leased ON notify.jobs (locked_until) WHERE state = 'running';
            DROP INDEX CONCURRENTLY IF EXISTS notify.dead_jobs_by_age;
            CREATE INDEX CONCURRENTLY dead_jobs_by_age ON notify.dead_jobs (died_at);
            DROP INDEX CONCURRENTLY IF EXISTS notify.scheduled_jobs_status_events;
            CREATE INDEX CONCURRENTLY scheduled_jobs_status_events
                ON notify.scheduled_jobs ((payload ->> 'tenant_id'), (payload ->> 'subscription_id'))
                WHERE queue = 'deliver-status-events';
            """#, transactional: false)
}
