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
    public static let settings = FunctionSettings(maxAttempts: 5, timeout: .seconds(30))

    /// The PostgreSQL notification channel inbox streams listen on.
    public static let announcementChannel = "notify_inbox"

    /// Creates the function.
    public init() {}

    public func handle(_ batch: DeliveryBatch, context: FunctionContext) async throws -> FunctionOutput {
        guard batch.channel == .inapp else {
            throw FunctionError(
                .permanent, code: "wrong_channel", "send-inapp received a \(batch.channel.rawValue) batch")
        }
        let write: PostgresQuery = """
            WITH ready AS (
                SELECT d.id, d.tenant_id, d.user_id, d.notification_id, n.category_key, d.content
                FROM notify.deliveries d
                JOIN notify.notifications n ON n.id = d.notification_id
                WHERE d.notification_id = \(batch.notificationID) AND d.tenant_id = \(batch.tenantID)
                  AND d.channel = 'inapp' AND d.user_id = ANY(\(batch.userIDs)::bigint[]) AND d.status = 'rendered'
                  AND n.status <> 'cancelled'
                FOR UPDATE OF d
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
                FROM ready WHERE d.id = ready.id
                RETURNING d.id, d.tenant_id, d.notification_id
            ), events AS (
                INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind, detail)
                SELECT tenant_id, notification_id, id, 'delivered', '{"provider":"inapp"}'::jsonb FROM delivered
            ), cancelled AS (
                -- Rendered before their notification (a campaign) was cancelled: dropped, not left waiting.
                UPDATE notify.deliveries d SET status = 'dropped', reason = 'cancelled', updated_at = now()
                FROM notify.notifications n
                WHERE n.id = d.notification_id AND n.status = 'cancelled'
                  AND d.notification_id = \(batch.notificationID) AND d.tenant_id = \(batch.tenantID)
                  AND d.channel = 'inapp' AND d.user_id = ANY(\(batch.userIDs)::bigint[]) AND d.status = 'rendered'
                RETURNING d.id, d.tenant_id, d.notification_id
            ), cancelled_events AS (
                INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind, detail)
                SELECT tenant_id, notification_id, id, 'dropped', '{"reason":"cancelled"}'::jsonb FROM cancelled
            )
            SELECT pg_notify(\(Self.announcementChannel), tenant_id || ':' || user_id)
            FROM (SELECT DISTINCT tenant_id, user_id FROM items) AS announced
            """
        var writes = [write]
        if batch.timedFallback != false {
            writes.append(ChannelFallback.timedWrites(batch, userIDs: batch.userIDs, lane: context.lane))
        }
        return FunctionOutput(
            writes: writes,
            summary: #"{"users":\#(batch.userIDs.count)}"#)
    }
}
