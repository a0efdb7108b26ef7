extension Migration {
    /// The leader's maintenance finds expired leases and old dead jobs through indexes.
    ///
    /// Every tick (one a second by default) `schedule-tick` looks for running jobs whose lease ran
    /// out, and for dead jobs past their retention. Neither had an index: each tick read all of
    /// `notify.jobs`, ready backlog included, and all of `notify.dead_jobs`. With 300,000 jobs
    /// queued that was a 19 ms sequential scan of 7,500 pages every second, growing with the
    /// backlog; through the index it reads the few running jobs.
    ///
    /// `jobs_leased` holds only running jobs, so a ready job costs it nothing; each claim adds one
    /// entry. Both indexes are built `CONCURRENTLY`, so jobs keep being claimed while they build; a
    /// build interrupted by a crash leaves an invalid index, which the next run drops first.
    static let v0020ExpiredLeaseIndex = Migration(
        version: 20, name: "expired leases and old dead jobs found through indexes",
        sql: #"""
            DROP INDEX CONCURRENTLY IF EXISTS notify.jobs_leased;
            CREATE INDEX CONCURRENTLY jobs_leased ON notify.jobs (locked_until) WHERE state = 'running';
            DROP INDEX CONCURRENTLY IF EXISTS notify.dead_jobs_by_age;
            CREATE INDEX CONCURRENTLY dead_jobs_by_age ON notify.dead_jobs (died_at);
            """#, transactional: false)
}
