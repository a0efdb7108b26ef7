import Foundation
import NotifyTestSupport
import PostgresNIO
import Testing

/// `POST /v1/notifications/batch` over real HTTP: all or none, in order, replayable per item.
@Suite(.serialized) struct NotificationBatchTests {
    func item(_ user: String, _ name: String, key: String? = nil) -> [String: Any] {
        var item: [String: Any] = ["category": "welcome", "to": ["user": user], "data": ["name": name]]
        if let key { item["idempotency_key"] = key }
        return item
    }

    func ids(_ reply: Engine.Reply) -> [String] {
        (reply.json["notifications"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    @Test func aBatchIsAcceptedInOrderAndEveryNotificationReachesTheInbox() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try await expect(engine.put("/v1/users/bob", acme, ["locale": "en"]), [201])
            let names = (0..<30).map { "Reader \($0)" }
            let reply = try await engine.post(
                "/v1/notifications/batch", acme,
                ["notifications": names.enumerated().map { item($0.offset % 2 == 0 ? "ada" : "bob", $0.element) }])
            try expect(reply, [202])
            let answers = reply.json["notifications"] as? [[String: Any]] ?? []
            #expect(answers.count == 30)
            #expect(answers.allSatisfy { $0["status"] as? String == "accepted" && $0["replay"] as? Bool == false })
            for id in ids(reply) { _ = try await engine.settled(acme, id) }
            // Each answer names the notification of the item in the same place.
            var titles: [String: String] = [:]
            for item in try await engine.inbox(acme) + engine.inbox(acme, user: "bob") {
                titles[item["notification_id"] as? String ?? ""] = item["title"] as? String
            }
            #expect(ids(reply).map { titles[$0] } == names.map { "Hello \($0)" })
        }
    }

    @Test func oneBadItemRefusesTheWholeBatchAndSaysWhichAndWhy() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let unknownUser = try await engine.post(
                "/v1/notifications/batch", acme,
                ["notifications": [item("ada", "A"), item("ada", "B"), item("nobody", "C")]])
            #expect(unknownUser.status == 422)
            #expect(unknownUser.json["code"] as? String == "unknown_user")
            #expect((unknownUser.json["detail"] as? String)?.hasPrefix("notifications[2]: ") == true)

            var typo = item("ada", "D")
            typo["chanels"] = ["inapp"]
            let unknownField = try await engine.post(
                "/v1/notifications/batch", acme, ["notifications": [item("ada", "E"), typo]])
            #expect(unknownField.status == 400)
            #expect(unknownField.json["code"] as? String == "unknown_field")
            #expect(
                (unknownField.json["detail"] as? String)?.contains("notifications[1]: unknown field \"chanels\"")
                    == true)

            let blankKey = try await engine.post(
                "/v1/notifications/batch", acme, ["notifications": [item("ada", "G"), item("ada", "H", key: "")]])
            #expect(blankKey.status == 400)
            #expect(blankKey.json["code"] as? String == "invalid_idempotency_key")
            #expect((blankKey.json["detail"] as? String)?.hasPrefix("notifications[1]: ") == true)

            let empty = try await engine.post("/v1/notifications/batch", acme, ["notifications": [] as [Any]])
            #expect(empty.status == 400)
            #expect(empty.json["code"] as? String == "invalid_batch")
            let tooMany = try await engine.post(
                "/v1/notifications/batch", acme, ["notifications": (0...1000).map { _ in item("ada", "F") }])
            #expect(tooMany.status == 400)
            #expect(tooMany.json["code"] as? String == "invalid_batch")

            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.notifications") == 0)
        }
    }

    @Test func aRetriedBatchIsAReplayAndAKeyReusedWithAnotherBodyRefusesTheBatch() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let batch: [String: Any] = ["notifications": [item("ada", "A", key: "k-1"), item("ada", "B", key: "k-2")]]
            let first = try await engine.post("/v1/notifications/batch", acme, batch)
            let retried = try await engine.post("/v1/notifications/batch", acme, batch)
            try expect(first, [202])
            try expect(retried, [202])
            #expect(ids(first) == ids(retried) && ids(first).count == 2)
            #expect(
                (retried.json["notifications"] as? [[String: Any]] ?? []).allSatisfy { $0["replay"] as? Bool == true })

            // The single endpoint's key names the same notification when the body is the same.
            let single = try await engine.post(
                "/v1/notifications", acme, item("ada", "A"), headers: ["Idempotency-Key": "k-1"])
            #expect(single.status == 202 && single.json["id"] as? String == ids(first)[0])

            let reused = try await engine.post(
                "/v1/notifications/batch", acme,
                ["notifications": [item("ada", "C", key: "k-3"), item("ada", "changed", key: "k-2")]])
            #expect(reused.status == 422)
            #expect(reused.json["code"] as? String == "idempotency_key_reused")
            #expect((reused.json["detail"] as? String)?.hasPrefix("notifications[1]: ") == true)
            // k-3 was rolled back with the batch.
            #expect(
                try await engine.runtime.count(
                    "SELECT count(*)::int FROM notify.notifications WHERE idempotency_key = 'k-3'") == 0)
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.notifications") == 2)
        }
    }
}
