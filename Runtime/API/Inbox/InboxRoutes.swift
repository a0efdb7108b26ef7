import Foundation
import Hummingbird
import NotifyModel
import PostgresNIO

/// The end user's in-app inbox (authenticated by ``InboxAuthMiddleware``):
/// - `GET /v1/inbox?limit=&cursor=` — newest first, `archived=true` for the archive, optionally
///   only `read=`, `seen=` (true or false) or one `category=`; `next_cursor` continues the list;
/// - `GET /v1/inbox/unread-count` — the unread and unseen counts (``InboxCounts``);
/// - `POST /v1/inbox/items/{id}/seen|unseen|read|unread|archive|unarchive`;
/// - `POST /v1/inbox/seen-all`, `read-all`, `archive-all[?read=true]` (``InboxBulkMark``);
/// - `GET /v1/inbox/stream` — Server-Sent Events (``InboxStreamCursor``): new items, changed
///   items and the counts;
/// - `GET` and `PATCH /v1/inbox/preferences` — the user's own preference center (``InboxPreferences``).
struct InboxRoutes: Sendable {
    let dependencies: APIDependencies

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("") { request, context in try await list(request, context) }
        group.get("unread-count") { _, context in
            let user = try context.requireInboxUser()
            return try APIResponse.json(try await InboxCounts.load(user, dependencies: dependencies).json, status: .ok)
        }
        for (action, change) in Self.marks {
            group.post("items/{item}/\(action)") { _, context in try await mark(change, context) }
        }
        let bulk = InboxBulkMark(dependencies: dependencies)
        group.post("seen-all") { request, context in try await bulk.seenAll(request, context) }
        group.post("read-all") { request, context in try await bulk.readAll(request, context) }
        group.post("archive-all") { request, context in try await bulk.archiveAll(request, context) }
        group.get("stream") { request, context in try await stream(request, context) }
        InboxPreferences(dependencies: dependencies).add(to: group)
    }

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try context.requireInboxUser()
        let query = request.uri.queryParameters
        let limit = min(100, max(1, query.get("limit").flatMap(Int.init) ?? 20))
        let cursor = query.get("cursor").flatMap(Int64.init) ?? Int64.max
        let archived = try QueryFlag.value("archived", in: request)
        // Filters for a feed's tabs ("Unread", one category); the counts stay the whole inbox's.
        let read = try QueryFlag.optionalValue("read", in: request)
        let seen = try QueryFlag.optionalValue("seen", in: request)
        let category = try query.get("category").map {
            try ResourceKey.check($0, field: "query parameter \"category\"", code: "invalid_query")
        }
        let items = try await InboxItem.load(
            """
            SELECT \(unescaped: InboxItem.columns) FROM notify.inbox_items
            WHERE user_id = \(user.userID) AND tenant_id = \(user.tenantID) AND id < \(cursor)
              AND (archived_at IS NOT NULL) = \(archived)
              AND (\(read)::boolean IS NULL OR (read_at IS NOT NULL) = \(read))
              AND (\(seen)::boolean IS NULL OR (seen_at IS NOT NULL OR read_at IS NOT NULL) = \(seen))
              AND (\(category)::text IS NULL OR category_key = \(category))
            ORDER BY id DESC LIMIT \(limit + 1)
            """, dependencies: dependencies)
        var json = try await InboxCounts.load(user, dependencies: dependencies).json
        json["items"] = items.prefix(limit).map(\.json)
        if items.count > limit, let last = items.prefix(limit).last { json["next_cursor"] = String(last.id) }
        return try APIResponse.json(json, status: .ok)
    }

    /// What each `POST /v1/inbox/items/{id}/<action>` sets. Read implies seen, and unseen implies
    /// unread, so unseen items are always among the unread ones (``InboxCounts``).
    static let marks: [(action: String, change: String)] = [
        ("seen", "seen_at = coalesce(seen_at, now())"),
        ("unseen", "seen_at = NULL, read_at = NULL"),
        ("read", "read_at = coalesce(read_at, now()), seen_at = coalesce(seen_at, now())"),
        ("unread", "read_at = NULL"),
        ("archive", "archived_at = coalesce(archived_at, now())"),
        ("unarchive", "archived_at = NULL"),
    ]

    func mark(_ change: String, _ context: APIRequestContext) async throws -> Response {
        let user = try context.requireInboxUser()
        guard let item = context.parameters.get("item").flatMap(Int64.init) else {
            throw APIError(.badRequest, code: "invalid_id", "item must be an inbox item id (an integer)")
        }
        let changed = try await dependencies.rows(
            """
            UPDATE notify.inbox_items SET \(unescaped: change), changed_seq = nextval('notify.inbox_change_seq')
            WHERE id = \(item) AND user_id = \(user.userID) AND tenant_id = \(user.tenantID) RETURNING id
            """)
        guard !changed.isEmpty else { throw APIError.notFound("inbox_item", String(item)) }
        try await announceChange(user)
        var json = try await InboxCounts.load(user, dependencies: dependencies).json
        json["id"] = String(item)
        return try APIResponse.json(json, status: .ok)
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
        let resume = try (request.headers[named: "Last-Event-ID"] ?? request.uri.queryParameters.get("after"))
            .map { try InboxStreamCursor.resumePoint(String($0)) }
        // Without a place to resume from, the stream starts now: the items and the changes made
        // before it opened are in what the client lists.
        let now = try await dependencies.rows(
            """
            SELECT
              (SELECT coalesce(max(id), 0) FROM notify.inbox_items
               WHERE user_id = \(user.userID) AND tenant_id = \(user.tenantID)),
              (SELECT coalesce(max(changed_seq), 0) FROM notify.inbox_items
               WHERE user_id = \(user.userID) AND tenant_id = \(user.tenantID) AND changed_seq IS NOT NULL)
            """)
        let (lastItem, lastChange) = try now[0].decode((Int64, Int64).self)
        let start = resume?.item ?? lastItem
        let startChange = resume?.change ?? lastChange
        guard let wakeups = dependencies.inbox.subscribe(tenantID: user.tenantID, userID: user.userID) else {
            InboxMetrics.refused("too_many_streams")
            throw APIError(
                .tooManyRequests, code: "too_many_streams",
                "this user already has \(InboxHub.streamsPerUser) live streams open here; close one (each tab or device "
                    + "opens one) and retry",
                headers: [.retryAfter: "5"])
        }
        let dependencies = self.dependencies
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                var cursor = InboxStreamCursor(user: user, itemFloor: start, changeFloor: startChange)
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
