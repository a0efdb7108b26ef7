import Foundation
import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// `send-inapp`: the built-in channel. Stores each rendered delivery as an item in its user's
/// inbox, marks the delivery delivered, and announces the new items on the `notify_inbox`
/// channel so connected inbox streams push them at once.
///
/// Everything is one statement run with the job's completion: the inbox item exists if and only
/// if the delivery is recorded delivered, and a replay inserts nothing twice (one item per
/// delivery). The announcement carries only ids, never content.
public struct SendInAppFunction: NotifyFunction {
    public typealias Input = DeliveryBatch

    public static let name: FunctionName = "send-inapp"
    /// Reads nothing (its one statement runs in the completion transaction), so a worker that also
    /// runs `render` runs it inside render's job.
    public static let settings = FunctionSettings(maxAttempts: 5, timeout: .seconds(30), inlining: .always)

    /// The PostgreSQL notification channel inbox streams listen on.
    public static let announcementChannel = "notify_inbox"

    /// Creates the function.
    public init() {}

    public func handle(_ batch: DeliveryBatch, context: FunctionContext) async throws -> FunctionOutput {
        guard batch.channel == .inapp else {
            throw FunctionError(
                .permanent, code: "wrong_channel", "send-inapp received a \(batch.channel.rawValue) batch")
        }
        var output = FunctionOutput(summary: #"{"users":\#(batch.userIDs.count)}"#)
        output.appendMergeable(
            MergeableWrite(
                sql: Self.deliverSQL,
                columns: [
                    .repeatedUUID(batch.notificationID, count: batch.userIDs.count),
                    .repeatedText(batch.tenantID, count: batch.userIDs.count), .bigint(batch.userIDs),
                ]))
        if batch.timedFallback != false {
            output.writes.append(ChannelFallback.timedWrites(batch, userIDs: batch.userIDs, lane: context.lane))
        }
        return output
    }

    /// Delivers rendered in-app deliveries, given as rows of (notification, tenant, user): the
    /// statement of a ``NotifyFunctionKit/MergeableWrite``, so the deliveries of many jobs go into
    /// their inboxes in one statement.
    static let deliverSQL = """
        WITH input AS (
            -- The arrays behind sub-selects: one plan for every batch size, made once per connection
            -- (see AutoPreparedStatement).
            SELECT DISTINCT * FROM unnest((SELECT $1::uuid[]), (SELECT $2::text[]), (SELECT $3::bigint[]))
                AS i(notification_id, tenant_id, user_id)
        ), found AS (
            -- One lookup by key per row (OFFSET 0 keeps each a lookup): a join planned from the
            -- statistics of a young table could scan it whole instead.
            SELECT d.id, d.tenant_id, d.user_id, d.notification_id, d.content, n.category_key,
                   n.status = 'cancelled' AS cancelled
            FROM input i
            CROSS JOIN LATERAL (
                SELECT n.category_key, n.status FROM notify.notifications n
                WHERE n.id = i.notification_id AND n.tenant_id = i.tenant_id OFFSET 0
            ) n
            CROSS JOIN LATERAL (
                SELECT d.id, d.tenant_id, d.user_id, d.notification_id, d.content FROM notify.deliveries d
                WHERE d.notification_id = i.notification_id AND d.user_id = i.user_id AND d.channel = 'inapp'
                  AND d.status = 'rendered'
                OFFSET 0 FOR UPDATE
            ) d
            WHERE d.tenant_id = i.tenant_id
        ), ready AS (
            SELECT * FROM found WHERE NOT cancelled
        ), items AS (
            INSERT INTO notify.inbox_items
                (tenant_id, user_id, delivery_id, notification_id, category_key, title, body, action_url)
            SELECT tenant_id, user_id, id, notification_id, category_key, content ->> 'title', content ->> 'body',
                   content ->> 'action_url'
            FROM ready
            ON CONFLICT (delivery_id) DO NOTHING
            RETURNING tenant_id, user_id
        ), delivered AS (
            UPDATE notify.deliveries d SET status = 'delivered', provider = 'inapp', updated_at = now()
            WHERE d.id = ANY(ARRAY(SELECT id FROM ready))
            RETURNING d.id, d.tenant_id, d.notification_id
        ), events AS (
            INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind, detail)
            SELECT tenant_id, notification_id, id, 'delivered', '{"provider":"inapp"}'::jsonb FROM delivered
        ), cancelled AS (
            -- Rendered before their notification (a campaign) was cancelled: dropped, not left waiting.
            UPDATE notify.deliveries d SET status = 'dropped', reason = 'cancelled', updated_at = now()
            WHERE d.id = ANY(ARRAY(SELECT id FROM found WHERE cancelled))
            RETURNING d.id, d.tenant_id, d.notification_id
        ), cancelled_events AS (
            INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind, detail)
            SELECT tenant_id, notification_id, id, 'dropped', '{"reason":"cancelled"}'::jsonb FROM cancelled
        )
        SELECT pg_notify('\(announcementChannel)', tenant_id || ':' || user_id)
        FROM (SELECT DISTINCT tenant_id, user_id FROM items) AS announced
        """
}
