import Foundation
import PostgresNIO

/// The statements that record delivery state changes and their timeline events, for a function's
/// ``NotifyFunctionKit/FunctionOutput/writes``. Each changes many deliveries in one statement.
public enum TimelineWrites {
    /// Sets the status (and reason) of deliveries named by users, and appends one event per delivery
    /// changed. Only deliveries currently in one of `from` change, so a repeated stage is a no-op.
    /// Only the batch's tenant's deliveries match: the tenant is checked beside the deliveries'
    /// unique index (notification, user, channel), which finds the rows.
    public static func transition(
        _ batch: DeliveryBatch, userIDs: [Int64], from: [String], to status: String, reason: String? = nil,
        event: String, detail: String = "{}"
    ) -> PostgresQuery {
        """
        WITH changed AS (
            UPDATE notify.deliveries SET status = \(status), reason = \(reason), updated_at = now()
            WHERE notification_id = \(batch.notificationID) AND tenant_id = \(batch.tenantID)
              AND channel = \(batch.channel.rawValue) AND user_id = ANY(\(userIDs)::bigint[])
              AND status = ANY(\(from)::text[])
            RETURNING id, tenant_id, notification_id
        )
        INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind, detail)
        SELECT tenant_id, notification_id, id, \(event), \(detail)::jsonb FROM changed
        """
    }

    /// Drops the batch's rendered deliveries whose notification was cancelled (a campaign cancelled
    /// while they were between render and send), with reason `cancelled` and an event each, so they
    /// do not wait forever in `rendered`.
    public static func dropCancelledRendered(_ batch: DeliveryBatch) -> PostgresQuery {
        """
        WITH changed AS (
            UPDATE notify.deliveries d SET status = 'dropped', reason = 'cancelled', updated_at = now()
            FROM notify.notifications n
            WHERE n.id = d.notification_id AND n.status = 'cancelled'
              AND d.notification_id = \(batch.notificationID) AND d.tenant_id = \(batch.tenantID)
              AND d.channel = \(batch.channel.rawValue) AND d.user_id = ANY(\(batch.userIDs)::bigint[])
              AND d.status = 'rendered'
            RETURNING d.id, d.tenant_id, d.notification_id
        )
        INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind, detail)
        SELECT tenant_id, notification_id, id, 'dropped', '{"reason":"cancelled"}'::jsonb FROM changed
        """
    }

    /// Appends an event about the notification as a whole (accepted, expanded, refused, cancelled).
    public static func notificationEvent(
        tenantID: String, notificationID: UUID, kind: String, detail: String = "{}"
    ) -> PostgresQuery {
        """
        INSERT INTO notify.events (tenant_id, notification_id, kind, detail)
        VALUES (\(tenantID), \(notificationID), \(kind), \(detail)::jsonb)
        """
    }

    /// Encodes a small detail object as JSON text, its keys sorted, written by hand with
    /// ``JSONQuoting``: the send step records one for nearly every event, and `JSONEncoder`'s
    /// generic machinery (3 µs for three fields, itself five times faster than
    /// `JSONSerialization`) cost more than the text.
    public static func detail(_ fields: [String: String]) -> String { JSONQuoting.object(fields) }
}
