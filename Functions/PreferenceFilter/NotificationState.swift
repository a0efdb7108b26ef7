import NotifyFunctionKit
import NotifyModel
import PostgresNIO

/// The notification-level facts `preference-filter` needs: its category, whether it was cancelled,
/// and whether it is a released digest.
struct NotificationState: Sendable {
    var category: CategoryFacts
    var cancelled: Bool
    var isDigestRelease = false
    /// Whether the category falls back from this channel after a time limit (see
    /// ``NotifyModel/DeliveryBatch/timedFallback``).
    var timedFallback = true

    /// Reads the notification and its category in one query.
    /// Reads the notifications of `batches` (with their categories) in one query. A batch whose
    /// notification does not exist for its tenant, or whose category cannot be read, gets its
    /// own failure; the others are not affected.
    static func loadAll(
        _ batches: [DeliveryBatch], context: FunctionContext
    ) async throws -> [Result<NotificationState, any Error>] {
        let rows = try await context.database.query(
            """
            SELECT r.ord, n.category_key, n.status, n.digest_id IS NOT NULL, \(unescaped: CategoryFacts.joinedColumns),
                   coalesce(jsonb_typeof(c.fallback -> r.channel) = 'object'
                            AND c.fallback -> r.channel ? 'after_seconds', false)
            -- The arrays behind sub-selects, so the plan is the same for every batch size and is made
            -- once per connection (see AutoPreparedStatement); one lookup by key per batch (OFFSET 0 keeps it
            -- a lookup, whatever the statistics say).
            FROM unnest((SELECT \(batches.map(\.notificationID))::uuid[]), (SELECT \(batches.map(\.tenantID))::text[]),
                        (SELECT \(batches.map(\.channel.rawValue))::text[])) WITH ORDINALITY AS r(id, tenant_id, channel, ord)
            CROSS JOIN LATERAL (
                SELECT n.tenant_id, n.category_key, n.status, n.digest_id FROM notify.notifications n
                WHERE n.id = r.id AND n.tenant_id = r.tenant_id OFFSET 0
            ) n
            LEFT JOIN LATERAL (
                SELECT c.* FROM notify.categories c WHERE c.tenant_id = n.tenant_id AND c.key = n.category_key OFFSET 0
            ) c ON true
            """, logger: context.logger)
        // Filled from the rows; a batch without one gets its error after (made only when needed).
        var states = [Result<NotificationState, any Error>?](repeating: nil, count: batches.count)
        for row in rows {
            let (
                ord, categoryKey, status, isDigest, kind, critical, channels, template, unknown, cap, digest,
                eraseAfter,
                timed
            ) =
                try row.decode(
                    (
                        Int64, String, String, Bool, String?, Bool?, [String]?, String?, String?, String?, String?,
                        Int?, Bool
                    ).self)
            states[Int(ord) - 1] = Result {
                let category = try CategoryFacts(
                    key: categoryKey, columns: (kind, critical, channels, template, unknown, cap, digest, eraseAfter))
                return NotificationState(
                    category: category, cancelled: status == "cancelled", isDigestRelease: isDigest,
                    timedFallback: timed)
            }
        }
        return zip(batches, states).map { batch, state in
            state
                ?? .failure(
                    FunctionError(
                        .permanent, code: "notification_not_found",
                        "notification \(batch.notificationID) does not exist"))
        }
    }
}
