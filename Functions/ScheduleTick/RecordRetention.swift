import NotifyFunctionKit
import PostgresNIO

/// The tick's statements that delete a tenant's notification records once they are older than
/// the tenant's retention (`tenants.retention_days`, set with `notify tenants set-retention`;
/// NULL, the default, keeps them).
///
/// A notification past the retention is deleted when it is finished (`done`, `refused` or
/// `cancelled`) and none of its deliveries is still on its way (pending, deferred, rendered or
/// sending); with it go its deliveries and its timeline events. A closed digest past the retention
/// goes with its collected items. Inbox items are the users' and stay.
///
/// The work per tick is bounded, so that a topic broadcast or a campaign (one notification, up to
/// millions of deliveries) does not hold the tick: ``children`` deletes at most ``rowsPerTick``
/// deliveries and as many events of the oldest ``notificationsPerTick`` expired notifications;
/// ``parents``, the next statement of the same tick, deletes those of them left with neither, and
/// at most ``notificationsPerTick`` closed digests. Each finds its rows through the tenant's index
/// by creation time (`notifications_by_tenant`, `digests_closed`) and, one lookup per
/// notification (`OFFSET 0` keeps each a lookup, never a join that reads the whole table,
/// whatever the statistics say), the indexes by notification.
enum RecordRetention {
    /// Expired notifications looked at per tick.
    static let notificationsPerTick = 2_000
    /// Deliveries, and events, deleted per tick at most.
    static let rowsPerTick = 20_000

    /// The oldest finished notifications past their tenant's retention, none of whose deliveries
    /// is still on its way; a `WITH` item named `expired` (id, tenant_id).
    static let expired = """
        expired AS (
            SELECT n.id, n.tenant_id
            FROM notify.tenants t
            CROSS JOIN LATERAL (
                SELECT n.id, n.tenant_id FROM notify.notifications n
                WHERE n.tenant_id = t.id AND n.created_at < now() - make_interval(days => t.retention_days)
                  AND n.status IN ('done', 'refused', 'cancelled')
                  AND NOT EXISTS (
                      SELECT 1 FROM notify.deliveries d
                      WHERE d.notification_id = n.id AND d.status IN ('pending', 'deferred', 'rendered', 'sending')
                      OFFSET 0)
                ORDER BY n.created_at LIMIT \(notificationsPerTick)
            ) n
            WHERE t.retention_days IS NOT NULL
            LIMIT \(notificationsPerTick)
        )
        """

    /// Deletes deliveries and events of expired notifications, at most ``rowsPerTick`` of each.
    static let children = PostgresQuery(
        unsafeSQL: """
            WITH \(expired),
            deliveries AS (\(deletion(of: "deliveries"))),
            events AS (\(deletion(of: "events")))
            SELECT (SELECT count(*) FROM deliveries)::int, (SELECT count(*) FROM events)::int
            """)

    /// A `DELETE` of at most ``rowsPerTick`` rows of `table` (keyed by `id`, with a
    /// `notification_id`) that belong to the `expired` notifications, one lookup per notification.
    private static func deletion(of table: String) -> String {
        """
        DELETE FROM notify.\(table) x WHERE x.id = ANY(ARRAY(
            SELECT x.id FROM expired e
            CROSS JOIN LATERAL (SELECT x.id FROM notify.\(table) x WHERE x.notification_id = e.id OFFSET 0) x
            LIMIT \(rowsPerTick)))
        RETURNING 1
        """
    }

    /// Deletes expired notifications left with no delivery and no event, and closed digests past
    /// their tenant's retention with their items.
    static let parents = PostgresQuery(
        unsafeSQL: """
            WITH \(expired), notifications AS (
                DELETE FROM notify.notifications n WHERE n.id = ANY(ARRAY(
                    SELECT e.id FROM expired e
                    WHERE NOT EXISTS (SELECT 1 FROM notify.deliveries d WHERE d.notification_id = e.id OFFSET 0)
                      AND NOT EXISTS (SELECT 1 FROM notify.events v WHERE v.notification_id = e.id OFFSET 0)))
                RETURNING 1
            ), digests AS (
                DELETE FROM notify.digests g WHERE g.id = ANY(ARRAY(
                    SELECT g.id FROM notify.tenants t
                    CROSS JOIN LATERAL (
                        SELECT g.id FROM notify.digests g
                        WHERE g.tenant_id = t.id AND g.status = 'closed'
                          AND g.closed_at < now() - make_interval(days => t.retention_days)
                        ORDER BY g.closed_at LIMIT \(notificationsPerTick)
                    ) g
                    WHERE t.retention_days IS NOT NULL
                    LIMIT \(notificationsPerTick)))
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM notifications)::int, (SELECT count(*) FROM digests)::int
            """)
}
