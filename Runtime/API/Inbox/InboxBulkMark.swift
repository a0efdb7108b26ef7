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
        let user = try context.requireInboxUser()
        let rows = try await dependencies.rows(
            """
            WITH marked AS (
                UPDATE notify.inbox_items
                SET seen_at = now(), changed_seq = nextval('notify.inbox_change_seq')
                WHERE user_id = \(user.userID) AND tenant_id = \(user.tenantID) AND seen_at IS NULL AND read_at IS NULL
                RETURNING 1
            )
            SELECT count(*) FROM marked
            """)
        return try await answer(updated: try rows[0].decode(Int64.self), user: user)
    }

    func readAll(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try context.requireInboxUser()
        let rows = try await dependencies.rows(
            """
            WITH marked AS (
                UPDATE notify.inbox_items
                SET read_at = now(), seen_at = coalesce(seen_at, now()),
                    changed_seq = nextval('notify.inbox_change_seq')
                WHERE user_id = \(user.userID) AND tenant_id = \(user.tenantID) AND read_at IS NULL
                RETURNING 1
            )
            SELECT count(*) FROM marked
            """)
        return try await answer(updated: try rows[0].decode(Int64.self), user: user)
    }

    func archiveAll(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try context.requireInboxUser()
        let onlyRead = try QueryFlag.value("read", in: request)
        let rows = try await dependencies.rows(
            """
            WITH marked AS (
                UPDATE notify.inbox_items
                SET archived_at = now(), changed_seq = nextval('notify.inbox_change_seq')
                WHERE user_id = \(user.userID) AND tenant_id = \(user.tenantID) AND archived_at IS NULL
                  AND (NOT \(onlyRead) OR read_at IS NOT NULL)
                RETURNING 1
            )
            SELECT count(*) FROM marked
            """)
        return try await answer(updated: try rows[0].decode(Int64.self), user: user)
    }

    private func answer(updated: Int64, user: InboxUser) async throws -> Response {
        if updated > 0 { try await InboxRoutes(dependencies: dependencies).announceChange(user) }
        var json = try await InboxCounts.load(user, dependencies: dependencies).json
        json["updated"] = Int(updated)
        return try APIResponse.json(json, status: .ok)
    }
}
