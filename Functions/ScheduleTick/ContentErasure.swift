import NotifyFunctionKit
import PostgresNIO

/// The tick's statements that erase the content of notifications whose category says so
/// (`erase_content_after_seconds`: one-time passcodes, password-reset links), once their time has
/// come.
///
/// `validate` gives such a notification its `erase_content_at` when it expands it (a campaign
/// gets it when it completes or is cancelled). When that time passes, ``clearing``:
/// - empties the notification's `data` (`{}`) and its request hash (an Idempotency-Key's hash of
///   the body, from which a six-digit code could be guessed), sets `content_erased_at` and
///   appends a `content_erased` event to its timeline, the first time;
/// - clears the rendered `content` of its deliveries;
/// - drops the deliveries that were still waiting (pending, deferred for quiet hours or a cap, or
///   rendered and waiting for a retry), with reason `content_erased` and a `dropped` event each: a
///   passcode past its time is not sent.
///
/// Then ``finishing``, the next statement of the same tick, ends the erasure of those with no
/// delivery left to clear (`erase_content_at` back to NULL).
///
/// A message being sent at that moment finishes with what its sender holds; should it have to be
/// retried, its next attempt finds no content and drops it the same way, and `render` drops any
/// delivery it would render once `content_erased_at` is set (a channel fallback). The timeline,
/// statuses, recipients and provider message ids stay.
///
/// The work per tick is bounded: at most ``notificationsPerTick`` notifications, earliest due
/// first, through `notifications_content_due`, and at most ``rowsPerTick`` deliveries among them.
/// A notification with more deliveries (a topic broadcast, a campaign) is cleared over several
/// ticks, in user order from its `erase_cursor`, so no tick reads the deliveries an earlier one
/// cleared. 2,000 notifications with a delivery each took 0.19–0.45 s of the tick, measured with
/// `psql` on this project's 2-core machine (5,000 took 0.50–0.75 s, which held the tick's other
/// duties too long).
enum ContentErasure {
    /// Notifications erased per tick at most.
    static let notificationsPerTick = 2_000
    /// Deliveries cleared per tick at most.
    static let rowsPerTick = 20_000

    /// The smallest user id: where a notification's first step starts.
    private static let firstUser = "-9223372036854775808"

    /// The deliveries a step still has to clear: with content, or waiting to be sent.
    private static let uncleared = "(d.content IS NOT NULL OR d.status IN ('pending', 'deferred', 'rendered'))"

    /// One step of erasure for the due notifications; answers (notifications erased for the first
    /// time, deliveries cleared, deliveries dropped).
    static let clearing = clearing(rowsPerTick: rowsPerTick)

    /// ``clearing`` with another bound on the deliveries per step (tests use a small one).
    static func clearing(rowsPerTick: Int) -> PostgresQuery {
        PostgresQuery(
            unsafeSQL: """
                WITH due AS (
                    SELECT id, tenant_id, erase_cursor, content_erased_at FROM notify.notifications
                    WHERE erase_content_at < now()
                    ORDER BY erase_content_at LIMIT \(notificationsPerTick)
                    FOR UPDATE SKIP LOCKED
                ), targets AS MATERIALIZED (
                    SELECT x.id, x.notification_id, x.user_id FROM due
                    CROSS JOIN LATERAL (
                        SELECT d.id, d.notification_id, d.user_id FROM notify.deliveries d
                        WHERE d.notification_id = due.id AND d.user_id >= coalesce(due.erase_cursor, \(firstUser))
                          AND \(uncleared)
                        ORDER BY d.user_id LIMIT \(rowsPerTick)
                    ) x
                    LIMIT \(rowsPerTick)
                ), cursors AS (
                    SELECT notification_id, max(user_id) AS last_user FROM targets GROUP BY notification_id
                ), cleared AS (
                    UPDATE notify.deliveries d
                    SET content = NULL,
                        status = CASE WHEN d.status IN ('pending', 'deferred', 'rendered') THEN 'dropped' ELSE d.status END,
                        reason = CASE WHEN d.status IN ('pending', 'deferred', 'rendered') THEN 'content_erased' ELSE d.reason END,
                        updated_at = now()
                    WHERE d.id = ANY(ARRAY(SELECT id FROM targets)) AND \(uncleared)
                    RETURNING d.id, d.tenant_id, d.notification_id, d.status, d.reason
                ), dropped AS (
                    INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind, detail)
                    SELECT tenant_id, notification_id, id, 'dropped', '{"reason":"content_erased"}'::jsonb FROM cleared
                    WHERE status = 'dropped' AND reason = 'content_erased'
                    RETURNING 1
                ), erased AS (
                    UPDATE notify.notifications n
                    SET data = '{}'::jsonb, request_hash = NULL, content_erased_at = coalesce(n.content_erased_at, now()),
                        erase_cursor = coalesce(c.last_user, n.erase_cursor), updated_at = now()
                    FROM due LEFT JOIN cursors c ON c.notification_id = due.id
                    WHERE n.id = due.id
                    RETURNING n.id, n.tenant_id, due.content_erased_at IS NULL AS first
                ), noted AS (
                    INSERT INTO notify.events (tenant_id, notification_id, kind)
                    SELECT tenant_id, id, 'content_erased' FROM erased WHERE first
                )
                SELECT (SELECT count(*) FROM erased WHERE first)::int, (SELECT count(*) FROM cleared)::int,
                       (SELECT count(*) FROM dropped)::int
                """)
    }

    /// Ends the erasure of due notifications with no delivery left to clear from their cursor on;
    /// answers how many.
    static let finishing = PostgresQuery(
        unsafeSQL: """
            WITH finished AS (
                UPDATE notify.notifications n SET erase_content_at = NULL, erase_cursor = NULL
                WHERE n.id = ANY(ARRAY(
                    SELECT id FROM notify.notifications
                    WHERE erase_content_at < now() AND content_erased_at IS NOT NULL
                    ORDER BY erase_content_at LIMIT \(notificationsPerTick)
                    FOR UPDATE SKIP LOCKED))
                  AND NOT EXISTS (
                      SELECT 1 FROM notify.deliveries d
                      WHERE d.notification_id = n.id AND d.user_id >= coalesce(n.erase_cursor, \(firstUser))
                        AND \(uncleared)
                      OFFSET 0)
                RETURNING 1
            )
            SELECT count(*)::int FROM finished
            """)
}
