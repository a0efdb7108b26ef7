import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// The statement that collects deliveries into their users' open digests, run in the job's own
/// completion transaction so nothing collected is lost if the process dies.
///
/// For each delivery still `pending` or `deferred` it opens the user's digest for (tenant, user,
/// category, channel), or joins the open one (a partial unique index allows one), which locks the
/// digest row until commit so a concurrent close waits for these items; it then records the item
/// with the notification's data, marks the delivery `digested` with a `digested` timeline event
/// naming the digest, and enqueues `digest-close`: at the window's end for a new digest, at once
/// for one that reached its size limit (which stops being `open`, so the next item opens a new
/// digest). Digests are locked in user order, so two transactions collecting for the same users
/// wait for each other instead of deadlocking.
enum DigestCollection {
    static func write(
        _ batch: DeliveryBatch, userIDs: [Int64], categoryKey: String, digest: DigestSettings, lane: Lane
    ) -> PostgresQuery {
        """
        WITH target AS (
            SELECT d.id AS delivery_id, d.user_id FROM notify.deliveries d
            JOIN notify.users u ON u.id = d.user_id AND u.tenant_id = d.tenant_id
            WHERE d.notification_id = \(batch.notificationID) AND d.tenant_id = \(batch.tenantID)
              AND d.channel = \(batch.channel.rawValue) AND d.user_id = ANY(\(userIDs)::bigint[])
              AND d.status IN ('pending', 'deferred')
        ), opened AS (
            INSERT INTO notify.digests AS g
                (tenant_id, user_id, category_key, channel, template_key, max_items, item_count, closes_at, status)
            SELECT \(batch.tenantID), t.user_id, \(categoryKey), \(batch.channel.rawValue), \(digest.templateKey),
                   \(digest.maxItems), 1, now() + make_interval(secs => \(digest.windowSeconds)),
                   CASE WHEN \(digest.maxItems) <= 1 THEN 'closing' ELSE 'open' END
            FROM target t
            ORDER BY t.user_id
            ON CONFLICT (tenant_id, user_id, category_key, channel) WHERE status = 'open'
            DO UPDATE SET item_count = g.item_count + 1, updated_at = now(),
                          status = CASE WHEN g.item_count + 1 >= g.max_items THEN 'closing' ELSE 'open' END
            RETURNING g.id, g.user_id, g.item_count, g.status, g.closes_at, (g.xmax = 0) AS fresh
        ), items AS (
            INSERT INTO notify.digest_items (delivery_id, digest_id, tenant_id, notification_id, position, data)
            SELECT t.delivery_id, o.id, n.tenant_id, n.id, o.item_count, n.data
            FROM opened o JOIN target t ON t.user_id = o.user_id
            JOIN notify.notifications n ON n.id = \(batch.notificationID)
            RETURNING delivery_id, digest_id, position
        ), changed AS (
            UPDATE notify.deliveries d SET status = 'digested', reason = 'digest', updated_at = now()
            FROM items i WHERE d.id = i.delivery_id
            RETURNING d.id, d.tenant_id, d.notification_id, i.digest_id, i.position
        ), logged AS (
            INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind, detail)
            SELECT tenant_id, notification_id, id, 'digested',
                   jsonb_build_object('digest_id', digest_id, 'position', position)
            FROM changed
        )
        SELECT notify.enqueue(
                   'digest-close', jsonb_build_object('tenant_id', \(batch.tenantID), 'digest_id', o.id),
                   \(lane.description), CASE WHEN o.status = 'closing' THEN now() ELSE o.closes_at END,
                   \(batch.tenantID))
        FROM opened o WHERE o.fresh OR o.status = 'closing'
        """
    }
}
