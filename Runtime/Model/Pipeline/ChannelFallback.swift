import Foundation
import NotifyFunctionKit
import PostgresNIO

/// Channel fallback per category (`categories.fallback`): the same notification goes to the user on
/// another channel, through the whole pipeline (preferences, quiet hours, render), when the first
/// channel does not reach them.
///
/// `{"push": "sms"}` falls back when a delivery cannot reach the user: no address or valid device
/// (`dropped` with `no_address`), a permanent or exhausted failure, or a provider reporting it
/// undelivered (`failed`). `{"push": {"to": "sms", "after_seconds": 600}}` also falls back when
/// the delivery is not confirmed within that time: not `delivered` by its provider (push providers
/// confirm nothing, so a push is never confirmed), and for in-app, not read. The timed fallback
/// delivery is created when the first one is sent and waits, `pending`, with `fallback_of`
/// naming it; `preference-filter` drops it as `primary_reached` if the first one got through.
///
/// Chains work (push → sms → email); a loop ends because a notification has at most one delivery
/// per user and channel.
public enum ChannelFallback {
    /// After a batch's outcomes are written: fallback deliveries for the users whose delivery
    /// could not reach them, a `fallback` event each, and a `preference-filter` job now.
    public static func writes(_ batch: DeliveryBatch, userIDs: [Int64], lane: Lane) -> PostgresQuery {
        """
        WITH dead AS (
            SELECT d.id, d.user_id, d.channel FROM notify.deliveries d
            WHERE d.notification_id = \(batch.notificationID) AND d.tenant_id = \(batch.tenantID)
              AND d.channel = \(batch.channel.rawValue) AND d.user_id = ANY(\(userIDs)::bigint[])
              AND (d.status = 'failed' OR (d.status = 'dropped' AND d.reason = 'no_address'))
        ), created AS (
            INSERT INTO notify.deliveries AS f (tenant_id, notification_id, user_id, channel, fallback_of)
            SELECT \(batch.tenantID), \(batch.notificationID), dead.user_id, t.channel, dead.id
            FROM dead CROSS JOIN LATERAL notify.fallback_target(\(batch.notificationID), dead.channel) AS t
            WHERE t.channel IS NOT NULL
            ON CONFLICT (notification_id, user_id, channel) DO UPDATE SET updated_at = now()
                WHERE f.status = 'pending'
            RETURNING f.id, f.user_id, f.channel
        ), events AS (
            INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind, detail)
            SELECT \(batch.tenantID), \(batch.notificationID), id, 'fallback',
                   jsonb_build_object('from', \(batch.channel.rawValue)::text, 'why', 'unreached')
            FROM created
        )
        SELECT notify.enqueue(
            'preference-filter',
            jsonb_build_object('tenant_id', \(batch.tenantID)::text, 'notification_id', \(batch.notificationID)::uuid,
                               'channel', channel, 'user_ids', jsonb_agg(user_id ORDER BY user_id)),
            \(lane.description), NULL, \(batch.tenantID))
        FROM created GROUP BY channel
        """
    }

    /// After a batch's deliveries went out (sent, or delivered in-app): for categories with a
    /// timed fallback, the waiting fallback deliveries and a `preference-filter` job at the deadline.
    public static func timedWrites(_ batch: DeliveryBatch, userIDs: [Int64], lane: Lane) -> PostgresQuery {
        """
        WITH policy AS (
            SELECT c.fallback -> \(batch.channel.rawValue) ->> 'to' AS channel,
                   (c.fallback -> \(batch.channel.rawValue) ->> 'after_seconds')::double precision AS after
            FROM notify.notifications n
            JOIN notify.categories c ON c.tenant_id = n.tenant_id AND c.key = n.category_key
            WHERE n.id = \(batch.notificationID) AND n.tenant_id = \(batch.tenantID)
              AND jsonb_typeof(c.fallback -> \(batch.channel.rawValue)) = 'object'
        ), created AS (
            INSERT INTO notify.deliveries (tenant_id, notification_id, user_id, channel, fallback_of)
            SELECT \(batch.tenantID), \(batch.notificationID), d.user_id, policy.channel, d.id
            FROM notify.deliveries d CROSS JOIN policy
            WHERE d.notification_id = \(batch.notificationID) AND d.tenant_id = \(batch.tenantID)
              AND d.channel = \(batch.channel.rawValue) AND d.user_id = ANY(\(userIDs)::bigint[])
              AND d.status IN ('sent', 'delivered') AND policy.channel IS NOT NULL AND policy.after > 0
            ON CONFLICT (notification_id, user_id, channel) DO NOTHING
            RETURNING user_id, channel
        )
        SELECT notify.enqueue(
            'preference-filter',
            jsonb_build_object('tenant_id', \(batch.tenantID)::text, 'notification_id', \(batch.notificationID)::uuid,
                               'channel', created.channel, 'user_ids', jsonb_agg(user_id ORDER BY user_id)),
            \(lane.description), now() + make_interval(secs => max(policy.after)), \(batch.tenantID))
        FROM created CROSS JOIN policy GROUP BY created.channel
        """
    }

    /// After a provider callback recorded a delivery `failed` (undelivered, bounced): its fallback
    /// now, as ``writes(_:userIDs:lane:)`` does for a batch.
    public static func afterCallback(
        tenantID: String, accountID: String, deliveryIDs: [Int64], providerMessageIDs: [String], lane: Lane
    ) -> PostgresQuery {
        """
        WITH dead AS (
            -- Two lookups by key (by id, by the provider's message id), not one search with OR, and
            -- the tenant and status checked on the rows found (OFFSET 0 keeps them out of the
            -- lookups): a young table's statistics answered either through the tenant's index.
            SELECT DISTINCT d.id, d.user_id, d.channel, d.notification_id FROM (
                SELECT id, user_id, channel, notification_id, tenant_id, status FROM notify.deliveries
                WHERE id = ANY(\(deliveryIDs)::bigint[]) AND provider_account_id = \(accountID)
                UNION ALL
                SELECT id, user_id, channel, notification_id, tenant_id, status FROM notify.deliveries
                WHERE provider_account_id = \(accountID) AND provider_message_id = ANY(\(providerMessageIDs)::text[])
                OFFSET 0
            ) d
            WHERE d.tenant_id = \(tenantID) AND d.status = 'failed'
        ), created AS (
            INSERT INTO notify.deliveries AS f (tenant_id, notification_id, user_id, channel, fallback_of)
            SELECT \(tenantID), dead.notification_id, dead.user_id, t.channel, dead.id
            FROM dead CROSS JOIN LATERAL notify.fallback_target(dead.notification_id, dead.channel) AS t
            WHERE t.channel IS NOT NULL
            ON CONFLICT (notification_id, user_id, channel) DO UPDATE SET updated_at = now()
                WHERE f.status = 'pending'
            RETURNING f.id, f.user_id, f.channel, f.notification_id
        ), events AS (
            INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind, detail)
            SELECT \(tenantID), notification_id, id, 'fallback', '{"why": "undelivered"}'::jsonb FROM created
        )
        SELECT notify.enqueue(
            'preference-filter',
            jsonb_build_object('tenant_id', \(tenantID)::text, 'notification_id', notification_id, 'channel', channel,
                               'user_ids', jsonb_agg(user_id ORDER BY user_id)),
            \(lane.description), NULL, \(tenantID))
        FROM created GROUP BY notification_id, channel
        """
    }
}
