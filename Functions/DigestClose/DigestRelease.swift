import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// The two statements that release a digest. They must stay separate: under READ COMMITTED each
/// statement takes a new snapshot, so the second sees the items of every collector the first
/// waited for.
enum DigestRelease {
    /// Closes the digest; waits for collectors holding its row, and does nothing if it is closed.
    static func close(_ input: DigestCloseInput) -> PostgresQuery {
        """
        UPDATE notify.digests SET status = 'closed', closed_at = now(), updated_at = now()
        WHERE id = \(input.digestID) AND tenant_id = \(input.tenantID) AND status IN ('open', 'closing')
        """
    }

    /// Creates the digest's notification and delivery once, logs `digest_released` on every
    /// collected delivery, and enqueues `preference-filter` for the new delivery.
    static func release(_ input: DigestCloseInput, lane: Lane) -> PostgresQuery {
        """
        WITH g AS (
            SELECT id, tenant_id, user_id, category_key, channel, template_key FROM notify.digests
            WHERE id = \(input.digestID) AND tenant_id = \(input.tenantID) AND status = 'closed'
              AND notification_id IS NULL
            FOR UPDATE
        ), agg AS (
            SELECT count(*) AS n, coalesce(jsonb_agg(i.data ORDER BY i.position, i.delivery_id), '[]'::jsonb) AS items
            FROM notify.digest_items i WHERE i.digest_id = \(input.digestID)
        ), note AS (
            INSERT INTO notify.notifications
                (tenant_id, category_key, template_key, recipients, data, channels, lane, status, recipient_count,
                 digest_id)
            SELECT g.tenant_id, g.category_key, g.template_key,
                   jsonb_build_object('users', jsonb_build_array(u.external_id)),
                   jsonb_build_object('count', agg.n, 'items', agg.items, 'category', g.category_key),
                   ARRAY[g.channel], \(lane.description), 'done', 1, g.id
            FROM g JOIN notify.users u ON u.id = g.user_id CROSS JOIN agg
            WHERE agg.n > 0
            RETURNING id, tenant_id, digest_id
        ), marked AS (
            UPDATE notify.digests d SET notification_id = note.id, item_count = agg.n, updated_at = now()
            FROM note CROSS JOIN agg WHERE d.id = note.digest_id
        ), delivery AS (
            INSERT INTO notify.deliveries (tenant_id, notification_id, user_id, channel)
            SELECT note.tenant_id, note.id, g.user_id, g.channel FROM note CROSS JOIN g
        ), accepted AS (
            INSERT INTO notify.events (tenant_id, notification_id, kind, detail)
            SELECT note.tenant_id, note.id, 'accepted',
                   jsonb_build_object('via', 'digest', 'digest_id', note.digest_id, 'items', agg.n)
            FROM note CROSS JOIN agg
        ), released AS (
            INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind, detail)
            SELECT i.tenant_id, i.notification_id, i.delivery_id, 'digest_released',
                   jsonb_build_object('digest_id', i.digest_id, 'digest_notification_id', note.id)
            FROM notify.digest_items i CROSS JOIN note WHERE i.digest_id = \(input.digestID)
        )
        SELECT notify.enqueue(
                   'preference-filter',
                   jsonb_build_object('tenant_id', note.tenant_id, 'notification_id', note.id, 'channel', g.channel,
                                      'user_ids', jsonb_build_array(g.user_id)),
                   \(lane.description), NULL, note.tenant_id)
        FROM note CROSS JOIN g
        """
    }
}
