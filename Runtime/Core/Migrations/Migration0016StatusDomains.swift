extension Migration {
    /// Status and lane columns are checked by domains instead of table `CHECK` constraints.
    ///
    /// PostgreSQL reads a table's `CHECK` constraints back from their stored text and plans them
    /// again for every statement that writes the table; one `notify.send` call is such a
    /// statement for `notifications` and for `jobs`. In a profile of 40,000 calls, 12 % of the
    /// time went to that. A domain's checks are prepared once per connection and kept. The values
    /// allowed are the same, and a wrong one is refused as before, with SQLSTATE 23514 ("value
    /// for domain delivery_status violates check constraint \"delivery_status_known\""). Clients
    /// still see the base types (`text`, `smallint`): PostgreSQL reports those for domain columns.
    ///
    /// The domains are created without their checks, so changing the columns' types rewrites and
    /// scans no table: the migration holds each table's lock for a moment, not for a pass over
    /// it. The checks are then added `NOT VALID`, which still checks every value written from then
    /// on. They are not validated: the values already stored passed the constraints they replace,
    /// and validating a domain blocks writes to each table while it scans.
    static let v0016StatusDomains = Migration(
        version: 16, name: "status and lane checks as domains",
        sql: #"""
            CREATE DOMAIN notify.job_state AS text;
            CREATE DOMAIN notify.job_lane AS smallint;
            CREATE DOMAIN notify.notification_status AS text;
            CREATE DOMAIN notify.delivery_status AS text;
            ALTER TABLE notify.jobs DROP CONSTRAINT IF EXISTS jobs_lane_check, DROP CONSTRAINT IF EXISTS jobs_state_check,
                ALTER COLUMN state TYPE notify.job_state, ALTER COLUMN lane TYPE notify.job_lane;
            ALTER TABLE notify.notifications DROP CONSTRAINT IF EXISTS notifications_status_check,
                ALTER COLUMN status TYPE notify.notification_status;
            ALTER TABLE notify.deliveries DROP CONSTRAINT IF EXISTS deliveries_status_check,
                ALTER COLUMN status TYPE notify.delivery_status;
            ALTER DOMAIN notify.job_state ADD CONSTRAINT job_state_known CHECK (VALUE IN ('ready', 'running')) NOT VALID;
            ALTER DOMAIN notify.job_lane ADD CONSTRAINT job_lane_known CHECK (VALUE BETWEEN 0 AND 2) NOT VALID;
            ALTER DOMAIN notify.notification_status ADD CONSTRAINT notification_status_known
                CHECK (VALUE IN ('scheduled', 'accepted', 'processing', 'done', 'refused', 'cancelled')) NOT VALID;
            ALTER DOMAIN notify.delivery_status ADD CONSTRAINT delivery_status_known
                CHECK (VALUE IN ('pending', 'deferred', 'rendered', 'sending', 'sent', 'delivered', 'dropped', 'failed',
                                 'unknown', 'digested')) NOT VALID;
            """#)
}
