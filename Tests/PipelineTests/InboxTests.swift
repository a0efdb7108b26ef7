import AsyncHTTPClient
import Foundation
import NIOCore
import NotifyTestSupport
import PostgresNIO
import Synchronization
import Testing

@testable import NotifyAPI

/// The end user's inbox: listing, read state, the unread count, and the live stream.
@Suite(.serialized) struct InboxTests {
    @Test func itemsPageByCursorAndTheUnreadCountFollowsReadState() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            for n in 1...5 {
                let id = try await engine.notify(
                    acme, ["category": "welcome", "to": ["user": "ada"], "data": ["name": "n\(n)"]])
                _ = try await engine.settled(acme, id)
            }
            let headers = engine.inboxHeaders(acme, user: "ada")
            let first = try await engine.request(.GET, "/v1/inbox?limit=2", headers: headers)
            let items = first.json["items"] as? [[String: Any]] ?? []
            #expect(items.map { $0["title"] as? String } == ["Hello n5", "Hello n4"])
            #expect(first.json["unread"] as? Int == 5)
            let cursor = try #require(first.json["next_cursor"] as? String)
            let second = try await engine.request(.GET, "/v1/inbox?limit=10&cursor=\(cursor)", headers: headers)
            #expect((second.json["items"] as? [[String: Any]])?.count == 3)
            #expect(second.json["next_cursor"] == nil)

            let itemID = items[0]["id"] as! String
            let read = try await engine.request(.POST, "/v1/inbox/items/\(itemID)/read", headers: headers)
            #expect(read.json["unread"] as? Int == 4)
            _ = try await engine.request(.POST, "/v1/inbox/items/\(itemID)/read", headers: headers)
            let count = try await engine.request(.GET, "/v1/inbox/unread-count", headers: headers)
            #expect(count.json["unread"] as? Int == 4)
            _ = try await engine.request(.POST, "/v1/inbox/items/\(itemID)/unread", headers: headers)
            let archive = try await engine.request(
                .POST, "/v1/inbox/items/\(items[1]["id"] as! String)/archive", headers: headers)
            #expect(archive.json["unread"] as? Int == 4)
            let archived = try await engine.request(.GET, "/v1/inbox?archived=true", headers: headers)
            #expect((archived.json["items"] as? [[String: Any]])?.count == 1)
            // Another user's item is not found for ada.
            try expect(try await engine.put("/v1/users/bob", acme, ["locale": "en"]), [201])
            let bob = engine.inboxHeaders(acme, user: "bob")
            #expect(try await engine.request(.POST, "/v1/inbox/items/\(itemID)/read", headers: bob).status == 404)
            var wrong = headers
            wrong["X-Notify-Signature"] = String(repeating: "0", count: 64)
            #expect(try await engine.request(.GET, "/v1/inbox", headers: wrong).status == 401)
        }
    }

    @Test func theLiveStreamPushesANewItemAsItArrives() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let signature = engine.inboxHeaders(acme, user: "ada")["X-Notify-Signature"]!
            var request = HTTPClientRequest(
                url: engine.baseURL + "/v1/inbox/stream?tenant=acme&user=ada&signature=\(signature)")
            request.method = .GET
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect(response.headers.first(name: "content-type") == "text/event-stream")
            let received = Mutex("")
            let reader = Task {
                for try await chunk in response.body {
                    let text = String(buffer: chunk)
                    received.withLock { $0 += text }
                    // The item's data may come in a later chunk than its event line: stop once it is in.
                    if received.withLock({ $0.contains("Hello Live") }) { break }
                }
            }
            #expect(await eventually { received.withLock { $0.contains("retry:") } })
            let sentAt = ContinuousClock.now
            _ = try await engine.notify(acme, ["category": "welcome", "to": ["user": "ada"], "data": ["name": "Live"]])
            let arrived = await eventually(timeout: .seconds(10), every: .milliseconds(5)) {
                received.withLock { $0.contains("Hello Live") }
            }
            #expect(arrived)
            #expect(ContinuousClock.now - sentAt < .seconds(5))
            let text = received.withLock { $0 }
            #expect(text.contains("event: item"))
            #expect(text.contains("id: "))
            reader.cancel()
        }
    }

    @Test func theLiveStreamShowsTheUnreadCountWhenAnItemIsReadElsewhere() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            _ = try await engine.notify(acme, ["category": "welcome", "to": ["user": "ada"], "data": ["name": "One"]])
            let delivered = await eventually { (try? await engine.inbox(acme).count) == 1 }
            #expect(delivered)
            let itemID = try #require(try await engine.inbox(acme).first?["id"] as? String)
            let headers = engine.inboxHeaders(acme, user: "ada")
            let signature = headers["X-Notify-Signature"]!
            var request = HTTPClientRequest(
                url: engine.baseURL + "/v1/inbox/stream?tenant=acme&user=ada&signature=\(signature)")
            request.method = .GET
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let received = Mutex("")
            let reader = Task {
                for try await chunk in response.body {
                    received.withLock { $0 += String(buffer: chunk) }
                    if received.withLock({ $0.contains("{\"unread\":0,") }) { break }
                }
            }
            #expect(await eventually { received.withLock { $0.contains("{\"unread\":1,") } })
            // Read on another device: this stream hears of it.
            #expect(try await engine.request(.POST, "/v1/inbox/items/\(itemID)/read", headers: headers).status == 200)
            let heard = await eventually(timeout: .seconds(10), every: .milliseconds(20)) {
                received.withLock { $0.contains("{\"unread\":0,") }
            }
            #expect(heard, "\(received.withLock { $0 })")
            reader.cancel()
        }
    }

    /// Opens ada's live stream; `received` collects its text until the task is cancelled.
    static func openStream(
        _ engine: Engine, _ tenant: Engine.Tenant, lastEventID: String? = nil
    ) async throws -> (Task<Void, any Error>, StreamText) {
        let signature = engine.inboxHeaders(tenant, user: "ada")["X-Notify-Signature"]!
        var request = HTTPClientRequest(
            url: engine.baseURL + "/v1/inbox/stream?tenant=\(tenant.id)&user=ada&signature=\(signature)")
        request.method = .GET
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let received = StreamText()
        let reader = Task {
            for try await chunk in response.body { received.withLock { $0 += String(buffer: chunk) } }
        }
        guard await eventually({ received.withLock { $0.contains("event: unread") } }) else {
            reader.cancel()
            throw EngineError("the stream did not start")
        }
        return (reader, received)
    }

    /// The `changed` events' items in a stream's text, in order.
    static func changedItems(_ text: String) -> [[String: Any]] {
        text.components(separatedBy: "event: changed\ndata: ").dropFirst().compactMap { part in
            let line = part.prefix { $0 != "\n" }
            return try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }
    }

    /// The `id` lines of a stream's text, in order.
    static func eventIDs(_ text: String) -> [String] {
        text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) }
    }

    /// The `item` events' items in a stream's text, in order.
    static func newItems(_ text: String) -> [[String: Any]] {
        text.components(separatedBy: "event: item\ndata: ").dropFirst().compactMap { part in
            let line = part.prefix { $0 != "\n" }
            return try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }
    }

    @Test func aStreamReconnectingWithItsLastEventIDGetsTheItemsAndChangesItMissed() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let headers = engine.inboxHeaders(acme, user: "ada")
            _ = try await engine.notify(acme, ["category": "welcome", "to": ["user": "ada"], "data": ["name": "One"]])
            #expect(await eventually { (try? await engine.inbox(acme).count) == 1 })
            let first = try #require(try await engine.inbox(acme).first?["id"] as? String)
            // A first connection hears the item read, and keeps its last event id.
            let (reader, received) = try await Self.openStream(engine, acme)
            try expect(try await engine.request(.POST, "/v1/inbox/items/\(first)/read", headers: headers), [200])
            #expect(await eventually { Self.changedItems(received.withLock { $0 }).count == 1 })
            reader.cancel()
            let lastEventID = try #require(Self.eventIDs(received.withLock { $0 }).last)
            // While it is away: the read item is archived and a second item arrives.
            try expect(try await engine.request(.POST, "/v1/inbox/items/\(first)/archive", headers: headers), [200])
            _ = try await engine.notify(acme, ["category": "welcome", "to": ["user": "ada"], "data": ["name": "Two"]])
            #expect(await eventually { (try? await engine.inbox(acme).first?["id"] as? String) != nil })
            // Reconnecting with it: the new item and the archive are sent, and nothing heard before.
            let (again, missed) = try await Self.openStream(engine, acme, lastEventID: lastEventID)
            defer { again.cancel() }
            let caughtUp = await eventually(timeout: .seconds(10), every: .milliseconds(20)) {
                Self.newItems(missed.withLock { $0 }).count == 1
                    && Self.changedItems(missed.withLock { $0 }).count == 1
            }
            #expect(caughtUp, "\(missed.withLock { $0 })")
            let changed = Self.changedItems(missed.withLock { $0 })
            #expect(changed.first?["id"] as? String == first)
            #expect(changed.first?["archived"] as? Bool == true)
            #expect(Self.newItems(missed.withLock { $0 }).first?["id"] as? String != first)
            // Its own events carry ids too, so a later reconnection resumes from them.
            let ids = Self.eventIDs(missed.withLock { $0 })
            #expect(ids.count == 2 && ids.allSatisfy { $0.split(separator: ":").count == 2 }, "\(ids)")

            // An item id alone (an id of earlier versions) resumes the items, changes from now on.
            let (byItem, sinceItem) = try await Self.openStream(engine, acme, lastEventID: first)
            defer { byItem.cancel() }
            #expect(await eventually { Self.newItems(sinceItem.withLock { $0 }).count == 1 })
            #expect(Self.changedItems(sinceItem.withLock { $0 }).isEmpty)
            // Anything else is refused, naming the header.
            for bad in ["7:x", "-1", "1:2:3", "abc"] {
                var streamHeaders = headers
                streamHeaders["Last-Event-ID"] = bad
                let refused = try await engine.request(.GET, "/v1/inbox/stream", headers: streamHeaders)
                try expect(refused, [400])
                #expect(refused.json["code"] as? String == "invalid_last_event_id", "\(bad)")
            }
        }
    }

    @Test func theListFiltersByReadSeenAndCategoryWhileTheCountsStayTheWholeInboxs() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try await engine.runtime.client.query(
                """
                INSERT INTO notify.inbox_items (tenant_id, user_id, delivery_id, notification_id, category_key, title)
                SELECT 'acme', u.id, -n, gen_random_uuid(), CASE WHEN n = 4 THEN 'news' ELSE 'welcome' END, 'item ' || n
                FROM notify.users u, generate_series(1, 4) n WHERE u.tenant_id = 'acme' AND u.external_id = 'ada'
                """, logger: engine.runtime.logger)
            let ada = engine.inboxHeaders(acme, user: "ada")
            let all = try await engine.inbox(acme)
            let ids = Dictionary(uniqueKeysWithValues: all.map { ($0["title"] as! String, $0["id"] as! String) })
            try expect(try await engine.request(.POST, "/v1/inbox/items/\(ids["item 1"]!)/read", headers: ada), [200])
            try expect(try await engine.request(.POST, "/v1/inbox/items/\(ids["item 2"]!)/seen", headers: ada), [200])
            func titles(_ query: String) async throws -> [String] {
                let reply = try await engine.request(.GET, "/v1/inbox?\(query)", headers: ada)
                try expect(reply, [200])
                #expect(reply.json["unread"] as? Int == 3, "the counts are the whole inbox's")
                return (reply.json["items"] as? [[String: Any]] ?? []).compactMap { $0["title"] as? String }
            }
            #expect(try await titles("read=false") == ["item 4", "item 3", "item 2"])
            #expect(try await titles("read=true") == ["item 1"])
            #expect(try await titles("seen=false") == ["item 4", "item 3"])
            #expect(try await titles("category=news") == ["item 4"])
            #expect(try await titles("category=welcome&read=false&limit=1") == ["item 3"])
            #expect(try await titles("category=nothing").isEmpty)
            for bad in ["read=maybe", "seen=1", "category="] {
                let refused = try await engine.request(.GET, "/v1/inbox?\(bad)", headers: ada)
                try expect(refused, [400])
                #expect(refused.json["code"] as? String == "invalid_query", "\(bad)")
            }
        }
    }

    /// Inserts an inbox item titled `title` for acme's user ada, as the engine would.
    static func itemInsert(title: String) -> PostgresQuery {
        """
        INSERT INTO notify.inbox_items (tenant_id, user_id, delivery_id, notification_id, category_key, title)
        SELECT 'acme', u.id, -1 - (random() * 1e12)::bigint, gen_random_uuid(), 'welcome', \(title)
        FROM notify.users u WHERE u.tenant_id = 'acme' AND u.external_id = 'ada'
        """
    }

    /// Announces ada's inbox to the streams, as the engine does after writing an item.
    static let itemAnnouncement: PostgresQuery =
        "SELECT pg_notify('notify_inbox', 'acme:' || id) FROM notify.users WHERE tenant_id = 'acme' AND external_id = 'ada'"

    @Test func anItemCommittedAfterAHigherOneIsStillSent() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let (reader, received) = try await Self.openStream(engine, acme)
            defer { reader.cancel() }
            // The first item takes its id in a transaction that stays open while a second one,
            // with a higher id, commits and reaches the stream.
            try await TestCluster.withClient(engine.runtime.url) { other in
                try await other.withConnection { connection in
                    _ = try await connection.query("BEGIN", logger: engine.runtime.logger)
                    _ = try await connection.query(Self.itemInsert(title: "late"), logger: engine.runtime.logger)
                    try await engine.runtime.client.query(
                        Self.itemInsert(title: "early"), logger: engine.runtime.logger)
                    try await engine.runtime.client.query(Self.itemAnnouncement, logger: engine.runtime.logger)
                    #expect(await eventually { Self.newItems(received.withLock { $0 }).count == 1 })
                    _ = try await connection.query(Self.itemAnnouncement, logger: engine.runtime.logger)
                    _ = try await connection.query("COMMIT", logger: engine.runtime.logger)
                }
            }
            let both = await eventually(timeout: .seconds(10), every: .milliseconds(20)) {
                Self.newItems(received.withLock { $0 }).count == 2
            }
            #expect(both, "\(received.withLock { $0 })")
            let titles = Self.newItems(received.withLock { $0 }).compactMap { $0["title"] as? String }
            #expect(titles == ["early", "late"])
            let ids = Self.newItems(received.withLock { $0 }).compactMap { ($0["id"] as? String).flatMap(Int64.init) }
            #expect(ids.count == 2 && ids[0] > ids[1], "the late item has the lower id: \(ids)")
        }
    }

    @Test func anItemWhoseTransactionStaysOpenPastTheSettleTimeIsStillSent() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let (reader, received) = try await Self.openStream(engine, acme)
            defer { reader.cancel() }
            @Sendable func add(_ title: String) async throws {
                try await engine.runtime.client.query(Self.itemInsert(title: title), logger: engine.runtime.logger)
                try await engine.runtime.client.query(Self.itemAnnouncement, logger: engine.runtime.logger)
            }
            @Sendable func count() -> Int { Self.newItems(received.withLock { $0 }).count }
            // "late" takes the lowest id in a transaction that stays open past the settle time,
            // while "early" reaches the stream, and then "third" makes the stream read (and settle)
            // again. A floor raised by time alone would pass "late"'s id there.
            try await TestCluster.withClient(engine.runtime.url) { other in
                try await other.withConnection { connection in
                    _ = try await connection.query("BEGIN", logger: engine.runtime.logger)
                    _ = try await connection.query(Self.itemInsert(title: "late"), logger: engine.runtime.logger)
                    try await add("early")
                    #expect(await eventually { count() == 1 })
                    try await Task.sleep(for: InboxStreamCursor.settleRules.settleTime + .seconds(1))
                    try await add("third")
                    #expect(await eventually { count() == 2 })
                    _ = try await connection.query(Self.itemAnnouncement, logger: engine.runtime.logger)
                    _ = try await connection.query("COMMIT", logger: engine.runtime.logger)
                }
            }
            let all = await eventually(timeout: .seconds(10), every: .milliseconds(20)) { count() == 3 }
            #expect(all, "\(received.withLock { $0 })")
            let titles = Self.newItems(received.withLock { $0 }).compactMap { $0["title"] as? String }
            #expect(titles == ["early", "third", "late"])
        }
    }

    @Test func anItemArchivedElsewhereIsAChangedEventOnTheStreamEvenWhenTheCountStays() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            _ = try await engine.notify(acme, ["category": "welcome", "to": ["user": "ada"], "data": ["name": "One"]])
            #expect(await eventually { (try? await engine.inbox(acme).count) == 1 })
            let itemID = try #require(try await engine.inbox(acme).first?["id"] as? String)
            let headers = engine.inboxHeaders(acme, user: "ada")
            // Read before the stream opens: that change is in the list, not sent again.
            try expect(try await engine.request(.POST, "/v1/inbox/items/\(itemID)/read", headers: headers), [200])
            let (reader, received) = try await Self.openStream(engine, acme)
            defer { reader.cancel() }
            // Archiving a read item leaves the unread count at 0; the stream still hears of it.
            try expect(try await engine.request(.POST, "/v1/inbox/items/\(itemID)/archive", headers: headers), [200])
            let heard = await eventually(timeout: .seconds(10), every: .milliseconds(20)) {
                Self.changedItems(received.withLock { $0 }).count == 1
            }
            #expect(heard, "\(received.withLock { $0 })")
            let changed = Self.changedItems(received.withLock { $0 })
            #expect(changed.first?["id"] as? String == itemID)
            #expect(changed.first?["archived"] as? Bool == true)
            #expect(changed.first?["read"] as? Bool == true)
            try expect(
                try await engine.request(.POST, "/v1/inbox/items/\(itemID)/unarchive", headers: headers), [200])
            #expect(
                await eventually(timeout: .seconds(10), every: .milliseconds(20)) {
                    Self.changedItems(received.withLock { $0 }).last?["archived"] as? Bool == false
                })
        }
    }

    @Test func readAllAndArchiveAllMarkOnlyThisUsersItems() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try expect(try await engine.put("/v1/users/bob", acme, ["locale": "en"]), [201])
            for user in ["ada", "ada", "ada", "bob"] {
                _ = try await engine.notify(acme, ["category": "welcome", "to": ["user": user], "data": ["name": "x"]])
            }
            #expect(await eventually { (try? await engine.inbox(acme).count) == 3 })
            let ada = engine.inboxHeaders(acme, user: "ada")
            let bob = engine.inboxHeaders(acme, user: "bob")
            #expect(await eventually { (try? await engine.inbox(acme, user: "bob").count) == 1 })

            let read = try expect(try await engine.request(.POST, "/v1/inbox/read-all", headers: ada), [200])
            #expect(read.json["updated"] as? Int == 3)
            #expect(read.json["unread"] as? Int == 0)
            let again = try await engine.request(.POST, "/v1/inbox/read-all", headers: ada)
            #expect(again.json["updated"] as? Int == 0)
            #expect(try await engine.request(.GET, "/v1/inbox/unread-count", headers: bob).json["unread"] as? Int == 1)

            // One of ada's items unread again: archive-all?read=true leaves it.
            let first = try #require(try await engine.inbox(acme).first?["id"] as? String)
            try expect(try await engine.request(.POST, "/v1/inbox/items/\(first)/unread", headers: ada), [200])
            let readOnes = try await engine.request(.POST, "/v1/inbox/archive-all?read=true", headers: ada)
            #expect(readOnes.json["updated"] as? Int == 2)
            #expect(readOnes.json["unread"] as? Int == 1)
            let rest = try await engine.request(.POST, "/v1/inbox/archive-all", headers: ada)
            #expect(rest.json["updated"] as? Int == 1)
            #expect(rest.json["unread"] as? Int == 0)
            let archived = try await engine.request(.GET, "/v1/inbox?archived=true", headers: ada)
            #expect((archived.json["items"] as? [[String: Any]])?.count == 3)
            #expect(try await engine.inbox(acme, user: "bob").count == 1)

            let bad = try await engine.request(.POST, "/v1/inbox/archive-all?read=yes", headers: ada)
            #expect(bad.status == 400)
            #expect(bad.json["code"] as? String == "invalid_query")
            var wrong = ada
            wrong["X-Notify-Signature"] = String(repeating: "0", count: 64)
            #expect(try await engine.request(.POST, "/v1/inbox/read-all", headers: wrong).status == 401)
        }
    }

    @Test func readAllOfMoreThanAPageReachesTheStreamAtOnce() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            // 150 items straight into the table: more than one page of the stream.
            try await engine.runtime.client.query(
                """
                INSERT INTO notify.inbox_items (tenant_id, user_id, delivery_id, notification_id, category_key, title)
                SELECT 'acme', u.id, -n, gen_random_uuid(), 'welcome', 'item ' || n
                FROM notify.users u, generate_series(1, 150) n WHERE u.tenant_id = 'acme' AND u.external_id = 'ada'
                """, logger: engine.runtime.logger)
            let (reader, received) = try await Self.openStream(engine, acme)
            defer { reader.cancel() }
            #expect(received.withLock { $0.contains("{\"unread\":150,") })
            let read = try await engine.request(
                .POST, "/v1/inbox/read-all", headers: engine.inboxHeaders(acme, user: "ada"))
            #expect(read.json["updated"] as? Int == 150)
            // Well inside the stream's 15 s heartbeat: every page is sent on the one announcement.
            let heard = await eventually(timeout: .seconds(8), every: .milliseconds(20)) {
                Self.changedItems(received.withLock { $0 }).count == 150
            }
            #expect(heard, "\(Self.changedItems(received.withLock { $0 }).count) changed events")
            #expect(received.withLock { $0.contains("event: unread\ndata: {\"unread\":0,\"unseen\":0}\n\n") })
            #expect(Set(Self.changedItems(received.withLock { $0 }).compactMap { $0["id"] as? String }).count == 150)
        }
    }

    @Test func seenClearsTheBadgeWhileItemsStayUnreadAndReadImpliesSeen() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            for n in 1...3 {
                _ = try await engine.notify(
                    acme, ["category": "welcome", "to": ["user": "ada"], "data": ["name": "n\(n)"]])
            }
            #expect(await eventually { (try? await engine.inbox(acme).count) == 3 })
            let ada = engine.inboxHeaders(acme, user: "ada")
            func counts() async throws -> (Int?, Int?) {
                let json = try await engine.request(.GET, "/v1/inbox/unread-count", headers: ada).json
                return (json["unread"] as? Int, json["unseen"] as? Int)
            }
            #expect(try await counts() == (3, 3))
            #expect(try await engine.inbox(acme).allSatisfy { $0["seen"] as? Bool == false })
            let (reader, received) = try await Self.openStream(engine, acme)
            defer { reader.cancel() }
            // The stream has started at its first `event: unread` line; its data may be a chunk behind.
            #expect(await eventually { received.withLock { $0.contains(#"{"unread":3,"unseen":3}"#) } })

            // The feed was opened: the badge clears, the items stay unread.
            let seen = try await engine.request(.POST, "/v1/inbox/seen-all", headers: ada)
            #expect(seen.json["updated"] as? Int == 3)
            #expect(seen.json["unseen"] as? Int == 0)
            #expect(seen.json["unread"] as? Int == 3)
            #expect(
                try await engine.inbox(acme).allSatisfy { $0["seen"] as? Bool == true && $0["read"] as? Bool == false })
            #expect(
                await eventually(timeout: .seconds(10), every: .milliseconds(20)) {
                    received.withLock { $0.contains(#"{"unread":3,"unseen":0}"#) }
                })
            #expect(
                await eventually(timeout: .seconds(10), every: .milliseconds(20)) {
                    Self.changedItems(received.withLock { $0 }).count == 3
                })

            let items = try await engine.inbox(acme).compactMap { $0["id"] as? String }
            // Unseen implies unread; read implies seen; unread keeps it seen.
            try expect(try await engine.request(.POST, "/v1/inbox/items/\(items[0])/read", headers: ada), [200])
            #expect(try await counts() == (2, 0))
            let unseen = try await engine.request(.POST, "/v1/inbox/items/\(items[0])/unseen", headers: ada)
            #expect(unseen.json["unread"] as? Int == 3)
            #expect(unseen.json["unseen"] as? Int == 1)
            try expect(try await engine.request(.POST, "/v1/inbox/items/\(items[0])/seen", headers: ada), [200])
            try expect(try await engine.request(.POST, "/v1/inbox/items/\(items[1])/read", headers: ada), [200])
            let unread = try await engine.request(.POST, "/v1/inbox/items/\(items[1])/unread", headers: ada)
            #expect(unread.json["unread"] as? Int == 3)
            #expect(unread.json["unseen"] as? Int == 0)
            #expect(
                try await engine.request(.POST, "/v1/inbox/items/999999/seen", headers: ada).status == 404)
            let again = try await engine.request(.POST, "/v1/inbox/seen-all", headers: ada)
            #expect(again.json["updated"] as? Int == 0)
        }
    }
}

/// The text a live stream has sent so far.
final class StreamText: Sendable {
    private let text = Mutex("")

    func withLock<T>(_ body: (inout String) -> T) -> T { text.withLock { body(&$0) } }
}
