import Foundation
import Hummingbird
import NotifyModel
import PostgresNIO

/// The end user's in-app inbox (authenticated by ``InboxAuthMiddleware``):
/// - `GET /v1/inbox?limit=&cursor=` — newest first; `next_cursor` continues the list;
/// - `GET /v1/inbox/unread-count` — counted from the items themselves, so it cannot drift;
/// - `POST /v1/inbox/items/{id}/read|unread|archive|unarchive`;
/// - `GET /v1/inbox/stream` — Server-Sent Events: an `item` event per new item (its `id` is the
///   item id, so `Last-Event-ID` resumes after a reconnect) and an `unread` event with the count,
///   also when an item is marked read or unread from anywhere.
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
                "UPDATE notify.inbox_items SET read_at = coalesce(read_at, now()) WHERE id = \(item) AND user_id = \(user.userID) AND tenant_id = \(user.tenantID) RETURNING id"
        case "unread":
            change =
                "UPDATE notify.inbox_items SET read_at = NULL WHERE id = \(item) AND user_id = \(user.userID) AND tenant_id = \(user.tenantID) RETURNING id"
        case "archive":
            change =
                "UPDATE notify.inbox_items SET archived_at = coalesce(archived_at, now()) WHERE id = \(item) AND user_id = \(user.userID) AND tenant_id = \(user.tenantID) RETURNING id"
        default:
            change =
                "UPDATE notify.inbox_items SET archived_at = NULL WHERE id = \(item) AND user_id = \(user.userID) AND tenant_id = \(user.tenantID) RETURNING id"
        }
        guard !(try await dependencies.rows(change)).isEmpty else {
            throw APIError.notFound("inbox_item", String(item))
        }
        // The user's other live streams (another tab, another device, another API process) show
        // the new unread count: the same announcement a new item makes.
        _ = try await dependencies.rows(
            "SELECT pg_notify(\(InboxHub.channel), \(user.tenantID + ":" + String(user.userID)))")
        return try APIResponse.json(
            ["id": String(item), "unread": try await unread(user)] as [String: Any], status: .ok)
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
        let wakeups = dependencies.inbox.subscribe(tenantID: user.tenantID, userID: user.userID)
        let dependencies = self.dependencies
        let start = after ?? 0
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                var lastID = start
                var lastUnread = -1
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                var iterator = wakeups.makeAsyncIterator()
                repeat {
                    let items = try await InboxItem.load(
                        """
                        SELECT id, notification_id, category_key, title, body, action_url, read_at, archived_at,
                               created_at
                        FROM notify.inbox_items
                        WHERE user_id = \(user.userID) AND tenant_id = \(user.tenantID) AND id > \(lastID)
                        ORDER BY id LIMIT 100
                        """, dependencies: dependencies)
                    var text = ""
                    for item in items {
                        text += "id: \(item.id)\nevent: item\ndata: \(try item.jsonText())\n\n"
                        lastID = item.id
                    }
                    let count = try await InboxRoutes(dependencies: dependencies).unread(user)
                    if count != lastUnread {
                        text += "event: unread\ndata: {\"unread\":\(count)}\n\n"
                        lastUnread = count
                    }
                    try await writer.write(ByteBuffer(string: text.isEmpty ? ": keep-alive\n\n" : text))
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
