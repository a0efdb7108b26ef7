import Foundation
import NotifyFunctionKit
import PostgresNIO

/// Channel fallback per category (`categories.fallback`, such as `{"push": "sms"}`): when a
/// delivery on a channel cannot reach the user — no address or device (`dropped` with
/// `no_address`) or a permanent or exhausted failure (`failed`) — the same notification goes to the
/// user on the fallback channel, through the whole pipeline (preferences, quiet hours, render).
///
/// Chains work (push → sms → email); a loop ends because a notification has at most one delivery
/// per user and channel.
public enum ChannelFallback {
    /// The statement, for a function's completion writes after the batch's outcomes are written:
    /// creates the fallback deliveries, records a `fallback` event and enqueues `preference-filter`.
    public static func writes(_ batch: DeliveryBatch, userIDs: [Int64], lane: Lane) -> PostgresQuery {
        """
        WITH dead AS (
            SELECT d.id, d.user_id FROM notify.deliveries d
            WHERE d.notification_id = \(batch.notificationID) AND d.tenant_id = \(batch.tenantID)
              AND d.channel = \(batch.channel.rawValue) AND d.user_id = ANY(\(userIDs)::bigint[])
              AND (d.status = 'failed' OR (d.status = 'dropped' AND d.reason = 'no_address'))
        ), target AS (
            SELECT c.fallback ->> \(batch.channel.rawValue) AS channel FROM notify.notifications n
            JOIN notify.categories c ON c.tenant_id = n.tenant_id AND c.key = n.category_key
            WHERE n.id = \(batch.notificationID) AND n.tenant_id = \(batch.tenantID) AND n.status <> 'cancelled'
        ), created AS (
            INSERT INTO notify.deliveries (tenant_id, notification_id, user_id, channel)
            SELECT \(batch.tenantID), \(batch.notificationID), dead.user_id, target.channel FROM dead, target
            WHERE target.channel IS NOT NULL AND target.channel <> \(batch.channel.rawValue)
            ON CONFLICT (notification_id, user_id, channel) DO NOTHING
            RETURNING id, user_id, channel
        ), events AS (
            INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind, detail)
            SELECT \(batch.tenantID), \(batch.notificationID), id, 'fallback',
                   jsonb_build_object('from', \(batch.channel.rawValue)::text)
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
}
