import PostgresNIO

/// The tick's statement that gives a send job to deliveries stranded in `sending`.
///
/// A send attempt marks a chunk `sending` before its requests and records the outcomes with the
/// chunk's follow-up jobs in one transaction. If the attempt dies in between, its job runs again
/// and finds the chunk; but a job can also end for good meanwhile (dead-lettered after its last
/// attempt, or discarded by an operator). This is the net under that: a delivery in `sending` for
/// over ``age`` gets a new `send-<channel>` job, which claims it as an interrupted attempt and
/// follows the category's policy for unknown outcomes (retry or give up); the timeline says
/// `rescued` with reason `stranded_in_sending`, the attempt that was sending it and since when. `updated_at` is moved
/// to now, so a delivery whose rescue job cannot run yet (no sender is up) is given another at
/// most once per ``age``, not once per tick.
///
/// Jobs carry at most 250 users each, go to the critical lane for critical categories, and are
/// made only for channels whose send function is published, so a deployment without one never
/// fails its ticks on `notify.enqueue`'s unknown-function error.
enum StrandedSendRescue {
    /// How long a delivery stays in `sending` before it counts as stranded: beyond a live
    /// attempt's request deadline (10 s by default). Should a send timeout be configured longer,
    /// the rescue job only finds the delivery busy and looks again once the claim is stale (the
    /// send engine's own rule), so a live attempt is never second-guessed.
    static let age = "1 minute"

    static let statement: PostgresQuery = """
        WITH stranded AS (
            SELECT id FROM notify.deliveries
            WHERE status = 'sending' AND sending_since < now() - interval '\(unescaped: age)'
              AND updated_at < now() - interval '\(unescaped: age)'
            ORDER BY sending_since LIMIT 10000
            FOR UPDATE SKIP LOCKED
        ), marked AS (
            UPDATE notify.deliveries d SET updated_at = now()
            FROM stranded s WHERE d.id = s.id
            RETURNING d.id, d.tenant_id, d.notification_id, d.channel, d.user_id, d.reason AS holder,
                      d.sending_since
        ), events AS (
            INSERT INTO notify.events (tenant_id, notification_id, delivery_id, kind, detail)
            SELECT tenant_id, notification_id, id, 'rescued',
                   jsonb_build_object('reason', 'stranded_in_sending', 'holder', holder, 'since', sending_since)
            FROM marked
        ), numbered AS (
            SELECT m.*, (row_number() OVER (PARTITION BY m.tenant_id, m.notification_id, m.channel
                                            ORDER BY m.user_id) - 1) / 250 AS part
            FROM marked m
            WHERE EXISTS (SELECT 1 FROM notify.functions f WHERE f.name = 'send-' || m.channel)
        )
        SELECT notify.enqueue(
            'send-' || g.channel,
            jsonb_build_object('tenant_id', g.tenant_id, 'notification_id', g.notification_id,
                               'channel', g.channel, 'user_ids', g.users),
            CASE WHEN coalesce(c.critical, false) THEN 'critical' END, NULL, g.tenant_id)
        FROM (SELECT tenant_id, notification_id, channel, jsonb_agg(user_id ORDER BY user_id) AS users
              FROM numbered GROUP BY tenant_id, notification_id, channel, part) g
        JOIN notify.notifications n ON n.id = g.notification_id AND n.tenant_id = g.tenant_id
        LEFT JOIN notify.categories c ON c.tenant_id = n.tenant_id AND c.key = n.category_key
        """
}
