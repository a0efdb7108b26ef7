extension Migration {
    /// A retention per tenant for its notifications' records (`RecordRetention` in `schedule-tick`).
    ///
    /// - `tenants.retention_days`: how long a finished notification, its deliveries, its timeline
    ///   and its closed digests are kept, from 1 day to 10 years, or NULL (the default) to keep
    ///   them. Set with `notify tenants set-retention`.
    /// - `digests_closed`: closed digests by tenant and closing time, so each tick reads only the
    ///   digests past the retention. Partial, so it holds no open digest; a digest is closed once.
    ///   Built `CONCURRENTLY`. The notifications are found through `notifications_by_tenant`,
    ///   their deliveries and events through the indexes by notification. Every statement can run
    ///   again after an interruption.
    static let v0023RecordRetention = Migration(
        version: 23, name: "retention of notification records per tenant",
        sql: #"""
            ALTER TABLE notify.tenants ADD COLUMN IF NOT EXISTS retention_days integer;
            ALTER TABLE notify.tenants DROP CONSTRAINT IF EXISTS tenants_retention_days_range;
            ALTER TABLE notify.tenants ADD CONSTRAINT tenants_retention_days_range
                CHECK (retention_days BETWEEN 1 AND 3650);
            DROP INDEX CONCURRENTLY IF EXISTS notify.digests_closed;
            CREATE INDEX CONCURRENTLY digests_closed ON notify.digests (tenant_id, closed_at) WHERE status = 'closed';
            """#, transactional: false)
}
