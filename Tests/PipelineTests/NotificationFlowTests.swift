import Foundation
import NotifyTestSupport
import PostgresNIO
import Testing

/// The producer → validate → preference-filter → render → send-inapp flow over real HTTP.
@Suite(.serialized) struct NotificationFlowTests {
    @Test func aNotificationReachesTheInboxAndTheTimelineSaysSo() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let id = try await engine.notify(
                acme, ["category": "welcome", "to": ["user": "ada"], "data": ["name": "Ada"]])
            let view = try await engine.settled(acme, id)
            #expect((view["channels"] as? [String: [String: Int]])?["inapp"]?["delivered"] == 1)
            #expect(engine.timelineKinds(view) == ["accepted", "expanded", "delivered"])
            let items = try await engine.inbox(acme)
            #expect(items.count == 1)
            #expect(items.first?["title"] as? String == "Hello Ada")
            #expect(items.first?["notification_id"] as? String == id)
        }
    }

    @Test func theSameIdempotencyKeySentTwentyTimesAtOnceMakesOneNotification() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let replies = try await withThrowingTaskGroup(of: Engine.Reply.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await engine.post(
                            "/v1/notifications", acme,
                            ["category": "welcome", "to": ["user": "ada"], "data": ["name": "Ada"]],
                            headers: ["Idempotency-Key": "order-42"])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.allSatisfy { $0.status == 202 })
            #expect(Set(replies.compactMap { $0.json["id"] as? String }).count == 1)
            #expect(replies.filter { $0.json["replay"] as? Bool == false }.count == 1)
            #expect(replies.filter { $0.headers["idempotent-replayed"] == "true" }.count == 19)
            let id = replies[0].json["id"] as! String
            _ = try await engine.settled(acme, id)
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.notifications") == 1)
            #expect(try await engine.inbox(acme).count == 1)

            let different = try await engine.post(
                "/v1/notifications", acme, ["category": "welcome", "to": ["user": "ada"], "data": ["name": "Bob"]],
                headers: ["Idempotency-Key": "order-42"])
            #expect(different.status == 422)
            #expect(different.json["code"] as? String == "idempotency_key_reused")
        }
    }

    @Test func aReplayMayOrderItsFieldsDifferentlyAndRequestsWithoutAKeyKeepNoHash() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            var headers = ["Authorization": "Bearer \(acme.key)", "Idempotency-Key": "order-7"]
            let first = try await engine.request(
                .POST, "/v1/notifications", headers: headers,
                body: Data(#"{"category":"welcome","to":{"user":"ada"},"data":{"name":"Ada","n":1}}"#.utf8))
            let reordered = try await engine.request(
                .POST, "/v1/notifications", headers: headers,
                body: Data(#"{"data":{"n":1,"name":"Ada"},"to":{"user":"ada"},"category":"welcome"}"#.utf8))
            #expect(first.status == 202 && reordered.status == 202)
            #expect(reordered.json["replay"] as? Bool == true)
            #expect(reordered.json["id"] as? String == first.json["id"] as? String)

            headers["Idempotency-Key"] = nil
            let keyless = try await engine.request(
                .POST, "/v1/notifications", headers: headers,
                body: Data(#"{"category":"welcome","to":{"user":"ada"},"data":{"name":"Ada"}}"#.utf8))
            #expect(keyless.status == 202)
            #expect(
                try await engine.runtime.count(
                    "SELECT count(*)::int FROM notify.notifications WHERE request_hash IS NULL AND idempotency_key IS NULL"
                )
                    == 1)
            #expect(
                try await engine.runtime.count(
                    "SELECT count(*)::int FROM notify.notifications WHERE request_hash IS NOT NULL") == 1)
        }
    }

    @Test func theSQLProducerLeavesNothingWhenRolledBackAndDeliversWhenCommitted() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            struct BusinessWriteFailed: Error {}
            await #expect(throws: PostgresTransactionError.self) {
                try await engine.runtime.client.withTransaction(logger: engine.runtime.logger) { connection in
                    try await connection.query(
                        "SELECT notify.send('acme', 'welcome', ARRAY['ada'], '{\"name\":\"Rolled\"}'::jsonb)",
                        logger: engine.runtime.logger)
                    throw BusinessWriteFailed()
                }
            }
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.notifications") == 0)
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.jobs") == 0)

            let rows = try await engine.runtime.rows(
                "SELECT notify.send('acme', 'welcome', ARRAY['ada'], '{\"name\":\"Committed\"}'::jsonb)::text")
            let id = try rows[0].decode(String.self)
            let view = try await engine.settled(acme, id)
            #expect((view["channels"] as? [String: [String: Int]])?["inapp"]?["delivered"] == 1)
            #expect(try await engine.inbox(acme).first?["title"] as? String == "Hello Committed")
        }
    }

    @Test func aTopicBroadcastIsExpandedInBatchesAndDeliveredToEverySubscriber() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let subscribers = 2_600
            try await engine.runtime.client.query(
                """
                INSERT INTO notify.users (tenant_id, external_id)
                SELECT 'acme', 'fan-' || n FROM generate_series(1, \(subscribers)) AS n
                """, logger: engine.runtime.logger)
            try expect(try await engine.put("/v1/topics/fans", acme, ["name": "Fans"]), [201])
            try await engine.runtime.client.query(
                """
                INSERT INTO notify.topic_subscribers (tenant_id, topic_key, user_id)
                SELECT 'acme', 'fans', id FROM notify.users WHERE external_id LIKE 'fan-%'
                """, logger: engine.runtime.logger)
            let id = try await engine.notify(
                acme, ["category": "welcome", "to": ["topic": "fans"], "data": ["name": "all"]])
            let view = try await engine.settled(acme, id, timeout: .seconds(60))
            #expect(view["recipients"] as? Int == subscribers)
            #expect((view["channels"] as? [String: [String: Int]])?["inapp"]?["delivered"] == subscribers)
            #expect(
                try await engine.runtime.count("SELECT count(*)::int FROM notify.inbox_items WHERE tenant_id = 'acme'")
                    == subscribers)
            #expect(try await engine.inbox(acme, user: "fan-2600").count == 1)
        }
    }

    @Test func aMissingTemplateVariableDropsTheDeliveryWithTheReason() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let id = try await engine.notify(acme, ["category": "welcome", "to": ["user": "ada"]])
            let view = try await engine.settled(acme, id)
            #expect((view["channels"] as? [String: [String: Int]])?["inapp"]?["dropped"] == 1)
            let dropped = (view["timeline"] as? [[String: Any]] ?? []).first { $0["kind"] as? String == "dropped" }
            let detail = dropped?["detail"] as? [String: Any]
            #expect(detail?["reason"] as? String == "render_failed")
            #expect(detail?["code"] as? String == "missing_variable")
            #expect((detail?["message"] as? String)?.contains("name") == true)
            #expect(try await engine.inbox(acme).isEmpty)
        }
    }

    @Test func templatesFallBackFromRegionToLanguageToTheTenantDefault() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try expect(
                try await engine.post(
                    "/v1/templates/welcome/inapp/pt/versions?activate=true", acme, ["title": "Olá {{name}}"]), [201])
            try expect(try await engine.put("/v1/users/joao", acme, ["locale": "pt-BR"]), [201])
            try expect(try await engine.put("/v1/users/hans", acme, ["locale": "de-AT"]), [201])
            for user in ["joao", "hans"] {
                let id = try await engine.notify(
                    acme, ["category": "welcome", "to": ["user": user], "data": ["name": user]])
                _ = try await engine.settled(acme, id)
            }
            #expect(try await engine.inbox(acme, user: "joao").first?["title"] as? String == "Olá joao")
            #expect(try await engine.inbox(acme, user: "hans").first?["title"] as? String == "Hello hans")
        }
    }

    @Test func aScheduledNotificationWaitsAndCanBeCancelledUntilReleased() async throws {
        try await Engine.with(leader: true) { engine in
            let acme = try await engine.tenant()
            let later = Date().addingTimeInterval(3600)
            let id = try await engine.notify(
                acme,
                [
                    "category": "welcome", "to": ["user": "ada"], "data": ["name": "Later"],
                    "send_at": later.formatted(.iso8601),
                ])
            let scheduled = try await engine.get("/v1/notifications/\(id)", acme)
            #expect(scheduled.json["status"] as? String == "scheduled")
            #expect(
                try await engine.runtime.count(
                    "SELECT count(*)::int FROM notify.scheduled_jobs WHERE queue = 'validate'")
                    == 1)
            try expect(try await engine.post("/v1/notifications/\(id)/cancel", acme), [200])
            // Release the job now, as schedule-tick would at send_at: validate must do nothing.
            try await engine.runtime.client.query(
                "UPDATE notify.scheduled_jobs SET run_at = now() - interval '1 second'", logger: engine.runtime.logger)
            let drained = try await eventually {
                try await engine.runtime.count(
                    "SELECT (SELECT count(*) FROM notify.scheduled_jobs) + (SELECT count(*) FROM notify.jobs)") == 0
            }
            #expect(drained)
            let view = try await engine.get("/v1/notifications/\(id)", acme).json
            #expect(view["status"] as? String == "cancelled")
            #expect(engine.timelineKinds(view) == ["scheduled", "cancelled"])
            #expect(try await engine.inbox(acme).isEmpty)
            let again = try await engine.post("/v1/notifications/\(id)/cancel", acme)
            #expect(again.status == 200)

            let now = try await engine.notify(
                acme, ["category": "welcome", "to": ["user": "ada"], "data": ["name": "Now"]])
            _ = try await engine.settled(acme, now)
            let late = try await engine.post("/v1/notifications/\(now)/cancel", acme)
            #expect(late.status == 409)
            #expect(late.json["code"] as? String == "not_cancellable")
        }
    }
}
