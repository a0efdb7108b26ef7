import Hummingbird
import PostgresNIO

/// Marks all of a user's inbox items at once, as inbox clients offer it:
/// - `POST /v1/inbox/read-all` marks every unread item read (archived ones too, so nothing
///   unread is left behind in the archive);
/// - `POST /v1/inbox/archive-all` archives every item not yet archived; with `?read=true` only
///   those already read.
///
/// Each answers `{"updated": n, "unread": count}` and announces the change, so the user's other
/// live streams send a `changed` event per item and the new unread count.
struct InboxBulkMark: Sendable {
    let dependencies: APIDependencies

    func readAll(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try context.requireInboxUser()
        let rows = try await dependencies.rows(
            """
            WITH marked AS (
                UPDATE notify.inbox_items
                SET read_at = now(), changed_seq = nextval('notify.inbox_change_seq')
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
        let routes = InboxRoutes(dependencies: dependencies)
        if updated > 0 { try await routes.announceChange(user) }
        return try APIResponse.json(
            ["updated": Int(updated), "unread": try await routes.unread(user)] as [String: Any], status: .ok)
    }
}
