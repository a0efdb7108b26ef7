import NotifyFunctionKit
import PostgresNIO

/// The tick's statement that erases the content of notifications whose category says so
/// (`erase_content_after_seconds`: one-time passcodes, password-reset links), once their time has
/// come.
///
/// `validate` gives such a notification its `erase_content_at` when it expands it. When that time
/// passes, the tick:
/// - empties the notification's `data` (`{}`) and its request hash (an Idempotency-Key's hash of
///   the body, from which a six-digit code could be guessed), and sets `content_erased_at`;
/// - clears the rendered `content` of each of its deliveries;
/// - drops the deliveries that were still waiting (pending, deferred for quiet hours or a cap, or
///   rendered and waiting for a retry), with reason `content_erased` and a `dropped` event each: a
///   passcode past its time is not sent;
/// - appends a `content_erased` event to the notification's timeline.
///
/// A message being sent at that moment finishes with what its sender holds; should it have to be
/// retried, its next attempt finds no content and drops it the same way, and `render` drops any
/// delivery it would render later (a channel fallback). The timeline, statuses, recipients and
/// provider message ids stay. Each tick erases at most ``batch`` notifications, earliest due
/// first, through `notifications_content_due`: 0.19–0.45 s of the tick for 2,000 with a delivery
/// each, measured with `psql` on this project's 2-core machine (5,000 took 0.50–0.75 s, which
/// held the tick's other duties too long).
enum ContentErasure {
    /// Notifications erased per tick at most.
    static let batch = 2_000

    static let statement: PostgresQuery = """
        WITH due AS (
            SELECT id FROM notify.notifications
            WHERE erase_content_at < now()
            ORDER BY erase_content_at LIMIT \(unescaped: String(batch))
            FOR UPDATE SKIP LOCKED
        ), erased AS (
            UPDATE notify.notifications n
            SET data = '{}'::jsonb, request_hash = NULL, erase_content_at = NULL, content_erased_at = now(),
                updated_at = now()
            FROM due WHERE n.id = due.id
            RETURNING n.id, n.tenant_id
        ), cleared AS (
            UPDATE notify.deliveries d
            SET content = NULL,
                status = CASE WHEN d.status IN ('pending', 'deferred', 'rendered') THEN 'dropped' ELSE d.status END,
                reason = CASE WHEN d.status IN ('pending', 'deferred', 'rendered') THEN 'content_erased' ELSE d.reason END,
                updated_at = now()
            FROM erased
            WHERE d.notification_id = erased.id AND d.tenant_id = erased.tenant_id
              AND (d.content IS NOT NULL OR d.status IN ('pending', 'deferred', 'rendered'))
            RETURNING d.id, d.tenant_id, d.notification_id, d.status, d.reason
        ), dropped AS (
            INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind, detail)
            SELECT tenant_id, notification_id, id, 'dropped', '{"reason":"content_erased"}'::jsonb FROM cleared
            WHERE status = 'dropped' AND reason = 'content_erased'
            RETURNING 1
        ), noted AS (
            INSERT INTO notify.events (tenant_id, notification_id, kind)
            SELECT tenant_id, id, 'content_erased' FROM erased
        )
        SELECT (SELECT count(*) FROM erased)::int, (SELECT count(*) FROM cleared)::int, (SELECT count(*) FROM dropped)::int
        """
}
