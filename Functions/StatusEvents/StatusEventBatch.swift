import NotifyFunctionKit
import PostgresNIO

/// The next batch of a subscription's events, and how far it moves the cursor.
///
/// Events are scanned in id order after the cursor and the scan stops at the first event younger
/// than ``settleInterval``: ids are taken at insert, so a transaction that commits late can make a
/// lower id visible after higher ones; waiting until events are that old means such an event is
/// still delivered (a transaction open longer than that can still be missed). Events the kinds
/// filter skips move the cursor too.
struct StatusEventBatch: Sendable {
    /// The JSON of each event to deliver, in id order.
    var events: [String] = []
    var firstEventID: Int64?
    var lastEventID: Int64?
    /// The last event id scanned, delivered or skipped; nil when nothing was ready.
    var cursor: Int64?
    /// True when more ready events may follow: the next batch runs at once.
    var hasMore = false

    /// Events younger than this are left for a later batch.
    static let settleIntervalSeconds = 2
    /// Events scanned per batch at most (skipped events count).
    static let scanLimit = 1000

    var count: Int { events.count }

    /// `{"type":"delivery.events","data":[…]}`: each event's id, notification_id, delivery_id,
    /// kind, detail and at. Events hold ids and states, never addresses or content.
    var body: String { #"{"type":"delivery.events","data":["# + events.joined(separator: ",") + "]}" }

    /// Reads the batch after the subscription's cursor.
    static func load(
        _ subscription: StatusEventSubscription, limit: Int, context: FunctionContext
    ) async throws -> StatusEventBatch {
        let rows = try await context.database.query(
            """
            SELECT e.id, e.kind,
                   jsonb_build_object('id', e.id, 'notification_id', e.notification_id, 'delivery_id', e.delivery_id,
                       'kind', e.kind, 'detail', e.detail,
                       'at', to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text,
                   e.at < clock_timestamp() - make_interval(secs => \(settleIntervalSeconds))
            FROM notify.events e
            WHERE e.tenant_id = \(subscription.tenantID) AND e.id > \(subscription.cursor)
            ORDER BY e.id LIMIT \(scanLimit)
            """, logger: context.logger)
        var batch = StatusEventBatch()
        var young = false
        for row in rows {
            let (id, kind, json, settled) = try row.decode((Int64, String, String, Bool).self)
            guard settled else {
                young = true
                break
            }
            batch.cursor = id
            if subscription.kinds.isEmpty || subscription.kinds.contains(kind) {
                batch.events.append(json)
                batch.firstEventID = batch.firstEventID ?? id
                batch.lastEventID = id
                if batch.events.count >= limit {
                    batch.hasMore = true
                    return batch
                }
            }
        }
        batch.hasMore = !young && rows.count == scanLimit
        return batch
    }
}
