import Hummingbird
import PostgresNIO

/// Marks all of a user's inbox items at once, as inbox clients offer it:
/// - `POST /v1/inbox/seen-all` marks every unseen item seen (a feed was opened: the badge clears,
///   the items stay unread);
/// - `POST /v1/inbox/read-all` marks every unread item read, and so seen (archived ones too, so
///   nothing unread is left behind in the archive);
/// - `POST /v1/inbox/archive-all` archives every item not yet archived; with `?read=true` only
///   those already read.
///
/// Each answers `{"updated": n, "unread": count, "unseen": count}` and announces the change, so
/// the user's other live streams send a `changed` event per item and the new counts.
struct InboxBulkMark: Sendable {
    let dependencies: APIDependencies

    func seenAll(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try await markAll(
            context, set: "seen_at = now()", where: "seen_at IS NULL AND read_at IS NULL")
    }

    func readAll(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try await markAll(
            context, set: "read_at = now(), seen_at = coalesce(seen_at, now())", where: "read_at IS NULL")
    }

    func archiveAll(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let onlyRead = try QueryFlag.value("read", in: request)
        return try await markAll(
            context, set: "archived_at = now()",
            where: onlyRead ? "archived_at IS NULL AND read_at IS NOT NULL" : "archived_at IS NULL")
    }

    /// Sets `set` on the user's items matching `condition` (both fixed SQL of this type, never
    /// request text), each with a new change number, and answers how many changed and the counts.
    private func markAll(
        _ context: APIRequestContext, set: String, where condition: String
    ) async throws -> Response {
        let user = try context.requireInboxUser()
        let rows = try await dependencies.rows(
            """
            WITH marked AS (
                UPDATE notify.inbox_items
                SET \(unescaped: set), changed_seq = nextval('notify.inbox_change_seq')
                WHERE user_id = \(user.userID) AND tenant_id = \(user.tenantID) AND \(unescaped: condition)
                RETURNING 1
            )
            SELECT count(*) FROM marked
            """)
        let updated = try rows[0].decode(Int64.self)
        if updated > 0 { try await InboxRoutes(dependencies: dependencies).announceChange(user) }
        var json = try await InboxCounts.load(user, dependencies: dependencies).json
        json["updated"] = Int(updated)
        return try APIResponse.json(json, status: .ok)
    }
}
