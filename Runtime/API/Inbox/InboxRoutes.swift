import Foundation
import Hummingbird
import NotifyModel
import PostgresNIO

/// The end user's in-app inbox (authenticated by ``InboxAuthMiddleware``):
/// - `GET /v1/inbox?limit=&cursor=` — newest first; `next_cursor` continues the list;
/// - `GET /v1/inbox/unread-count` — counted from the items themselves, so it cannot drift;
/// - `POST /v1/inbox/items/{id}/read|unread|archive|unarchive`;
/// - `POST /v1/inbox/read-all`, `POST /v1/inbox/archive-all[?read=true]` (``InboxBulkMark``);
/// - `GET /v1/inbox/stream` — Server-Sent Events: an `item` event per new item (its `id` is the
///   item id, so `Last-Event-ID` resumes after a reconnect), a `changed` event with an item's new
///   state when it is marked read, unread, archived or unarchived from anywhere, and an `unread`
///   event with the count whenever it changes.
struct InboxRoutes: Sendable {
    let dependencies: APIDependencies

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("") { request, context in try await list(request, context) }
        group.get("unread-count") { _, context in
            let user = try context.requireInboxUser()
            return try APIResponse.json(["unread": try await unread(user)] as [String: Any], status: .ok)
        }
        for action in ["read", "unread", "archive", "unarchive"] {
            group.post("items/{item}/\(action)") { _, context in try await mark(action, context) }
        }
        let bulk = InboxBulkMark(dependencies: dependencies)
        group.post("read-all") { request, context in try await bulk.readAll(request, context) }
        group.post("archive-all") { request, context in try await bulk.archiveAll(request, context) }
        group.get("stream") { request, context in try await stream(request, context) }
    }

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try context.requireInboxUser()
        let query = request.uri.queryParameters
        let limit = min(100, max(1, query.get("limit").flatMap(Int.init) ?? 20))
        let cursor = query.get("cursor").flatMap(Int64.init) ?? Int64.max
        let archived = try QueryFlag.value("archived", in: request)
        let items = try await InboxItem.load(
            """
            SELECT id, notification_id, category_key, title, body, action_url, read_at, archived_at, created_at
            FROM notify.inbox_items
            WHERE user_id = \(user.userID) AND tenant_id = \(user.tenantID) AND id < \(cursor)
              AND (archived_at IS NOT NULL) = \(archived)
            ORDER BY id DESC LIMIT \(limit + 1)
            """, dependencies: dependencies)
        var json: [String: Any] = ["items": items.prefix(limit).map(\.json), "unread": try await unread(user)]
        if items.count > limit, let last = items.prefix(limit).last { json["next_cursor"] = String(last.id) }
        return try APIResponse.json(json, status: .ok)
    }

    func unread(_ user: InboxUser) async throws -> Int {
        let rows = try await dependencies.rows(
            """
            SELECT count(*) FROM notify.inbox_items
            WHERE user_id = \(user.userID) AND tenant_id = \(user.tenantID) AND read_at IS NULL AND archived_at IS NULL
            """)
        return Int(try rows[0].decode(Int64.self))
    }

    func mark(_ action: String, _ context: APIRequestContext) async throws -> Response {
        let user = try context.requireInboxUser()
        guard let item = context.parameters.get("item").flatMap(Int64.init) else {
            throw APIError(.badRequest, code: "invalid_id", "item must be an inbox item id (an integer)")
        }
        let change: PostgresQuery
        switch action {
        case "read":
            change =
                "UPDATE notify.inbox_items SET read_at = coalesce(read_at, now()), changed_seq = nextval('notify.inbox_change_seq') WHERE id = \(item) AND user_id = \(user.userID) AND tenant_id = \(user.tenantID) RETURNING id"
        case "unread":
            change =
                "UPDATE notify.inbox_items SET read_at = NULL, changed_seq = nextval('notify.inbox_change_seq') WHERE id = \(item) AND user_id = \(user.userID) AND tenant_id = \(user.tenantID) RETURNING id"
        case "archive":
            change =
                "UPDATE notify.inbox_items SET archived_at = coalesce(archived_at, now()), changed_seq = nextval('notify.inbox_change_seq') WHERE id = \(item) AND user_id = \(user.userID) AND tenant_id = \(user.tenantID) RETURNING id"
        default:
            change =
                "UPDATE notify.inbox_items SET archived_at = NULL, changed_seq = nextval('notify.inbox_change_seq') WHERE id = \(item) AND user_id = \(user.userID) AND tenant_id = \(user.tenantID) RETURNING id"
        }
        guard !(try await dependencies.rows(change)).isEmpty else {
            throw APIError.notFound("inbox_item", String(item))
        }
        try await announceChange(user)
        return try APIResponse.json(
            ["id": String(item), "unread": try await unread(user)] as [String: Any], status: .ok)
    }

    /// Tells the user's other live streams (another tab, another device, another API process) that
    /// items changed: the same announcement a new item makes. Each stream then sends the changed
    /// items and the new unread count.
    func announceChange(_ user: InboxUser) async throws {
        _ = try await dependencies.rows(
            "SELECT pg_notify(\(InboxHub.channel), \(user.tenantID + ":" + String(user.userID)))")
    }

    func stream(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try context.requireInboxUser()
        var after =
            request.headers[named: "Last-Event-ID"].flatMap(Int64.init)
            ?? request.uri.queryParameters.get("after").flatMap(Int64.init)
        if after == nil {
            let rows = try await dependencies.rows(
                "SELECT coalesce(max(id), 0) FROM notify.inbox_items WHERE user_id = \(user.userID) AND tenant_id = \(user.tenantID)"
            )
            after = try rows[0].decode(Int64.self)
        }
        // Changes made before the stream opened are in the items a client lists; only later ones
        // are sent as `changed` events.
        let changes = try await dependencies.rows(
            """
            SELECT coalesce(max(changed_seq), 0) FROM notify.inbox_items
            WHERE user_id = \(user.userID) AND tenant_id = \(user.tenantID) AND changed_seq IS NOT NULL
            """)
        let startChange = try changes[0].decode(Int64.self)
        let wakeups = dependencies.inbox.subscribe(tenantID: user.tenantID, userID: user.userID)
        let dependencies = self.dependencies
        let start = after ?? 0
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                var cursor = InboxStreamCursor(user: user, lastItemID: start, lastChange: startChange)
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                var iterator = wakeups.makeAsyncIterator()
                repeat {
                    // A burst (a broadcast, read-all) is sent in pages until none is left.
                    var more = true
                    while more {
                        let page = try await cursor.nextPage(dependencies: dependencies)
                        more = page.more
                        if !page.text.isEmpty || !more {
                            try await writer.write(
                                ByteBuffer(string: page.text.isEmpty ? ": keep-alive\n\n" : page.text))
                        }
                    }
                } while await iterator.next() != nil
                try await writer.finish(nil)
            })
    }
}

extension APIRequestContext {
    func requireInboxUser() throws -> InboxUser {
        guard let inboxUser else {
            throw APIError(.unauthorized, code: "unauthenticated", "inbox requests need the user's signature")
        }
        return inboxUser
    }
}
