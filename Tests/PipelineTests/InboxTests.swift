import AsyncHTTPClient
import Foundation
import NIOCore
import NotifyTestSupport
import Synchronization
import Testing

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
                    if received.withLock({ $0.contains("event: item") }) { break }
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
                    if received.withLock({ $0.contains("{\"unread\":0}") }) { break }
                }
            }
            #expect(await eventually { received.withLock { $0.contains("{\"unread\":1}") } })
            // Read on another device: this stream hears of it.
            #expect(try await engine.request(.POST, "/v1/inbox/items/\(itemID)/read", headers: headers).status == 200)
            let heard = await eventually(timeout: .seconds(10), every: .milliseconds(20)) {
                received.withLock { $0.contains("{\"unread\":0}") }
            }
            #expect(heard, "\(received.withLock { $0 })")
            reader.cancel()
        }
    }
}
