import Foundation
import NotifyFunctionKit
import NotifySandbox
import NotifyTestSupport
import PostgresNIO
import Testing

@testable import ScheduleTickFunction

/// A category's `erase_content_after_seconds`: the API checks it, `validate` gives each
/// notification its time, the leader's tick erases data, rendered content and the request hash
/// when it comes and drops what was still waiting, and neither `render` nor a send attempt sends
/// what was erased.
@Suite("Content erasure after a category's time")
struct ContentErasureTests {
    @Test("the category API checks erase_content_after_seconds against its range, a digest and timed fallbacks")
    func categorySettingIsChecked() async throws {
        try await Engine.with { engine in
            let tenant = try await engine.tenant()
            func put(_ body: [String: Any]) async throws -> Engine.Reply {
                var all: [String: Any] = ["kind": "transactional", "default_channels": ["inapp"]]
                all.merge(body) { _, new in new }
                return try await engine.put("/v1/categories/otp", tenant, all)
            }
            for (body, words) in [
                (["erase_content_after_seconds": 59], "between 60 and 2592000"),
                (["erase_content_after_seconds": 2_592_001], "between 60 and 2592000"),
                (
                    [
                        "erase_content_after_seconds": 600,
                        "digest": ["window_seconds": 60, "max_items": 5, "template": "otp"],
                    ], "cannot be combined with \"digest\""
                ),
                (
                    [
                        "erase_content_after_seconds": 600,
                        "fallback": ["inapp": ["to": "sms", "after_seconds": 600]],
                    ], "the inapp fallback waits 600 s"
                ),
            ] as [([String: Any], String)] {
                let reply = try await put(body)
                #expect(reply.status == 400, "\(body)")
                #expect(reply.json["code"] as? String == "invalid_erase_content_after_seconds")
                #expect((reply.json["detail"] as? String ?? "").contains(words), "\(reply.text)")
            }
            try expect(
                try await put(
                    ["erase_content_after_seconds": 600, "fallback": ["inapp": ["to": "sms", "after_seconds": 599]]]),
                [201])
            func listed() async throws -> Any? {
                let categories = try await engine.get("/v1/categories", tenant).json["categories"] as? [[String: Any]]
                return categories?.first { $0["key"] as? String == "otp" }?["erase_content_after_seconds"]
            }
            #expect(try await listed() as? Int == 600)
            try expect(try await put([:]), [200])
            #expect(try await listed() is NSNull, "a category put without it keeps content")
        }
    }

    @Test(
        "when its time comes the tick erases data, content and request hash, drops what was waiting, and replays still answer"
    )
    func tickErasesDueNotifications() async throws {
        try await Engine.with(leader: true, sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant()
            let client = engine.runtime.client
            let logger = engine.runtime.logger
            try expect(
                try await engine.put(
                    "/v1/categories/otp", tenant,
                    [
                        "kind": "transactional", "critical": true, "default_channels": ["sms"],
                        "erase_content_after_seconds": 600,
                    ]), [200])
            // Not critical, so quiet hours hold its delivery: it is still waiting when erased.
            try expect(
                try await engine.put(
                    "/v1/categories/reset", tenant,
                    ["kind": "transactional", "default_channels": ["sms"], "erase_content_after_seconds": 600]), [201])
            try expect(
                try await engine.post(
                    "/v1/templates/reset/sms/en/versions?activate=true", tenant, ["text": "Reset: {{link}}"]), [201])

            let otpBody: [String: Any] = ["category": "otp", "to": ["user": "ada"], "data": ["code": "481516"]]
            let otp = try await engine.notify(tenant, otpBody, headers: ["Idempotency-Key": "login-1"])
            try await engine.waitFor(tenant, otp, channel: "sms", status: "delivered")
            let kept = try await engine.notify(
                tenant, ["category": "alert", "to": ["user": "ada"], "data": ["what": "kept"]])
            try await engine.waitFor(tenant, kept, channel: "push", status: "sent")
            try expect(
                try await engine.put(
                    "/v1/users/ada/preferences", tenant, ["quiet_hours": ["start": "00:00", "end": "23:59"]]), [200])
            let reset = try await engine.notify(
                tenant, ["category": "reset", "to": ["user": "ada"], "data": ["link": "https://x.test/r/2342"]])
            try await engine.waitFor(tenant, reset, channel: "sms", status: "deferred")
            // Refused (no email template for otp): its data is erased all the same.
            let refused = try await engine.notify(
                tenant, ["category": "otp", "to": ["user": "ada"], "channels": ["email"], "data": ["code": "271828"]])
            let wasRefused = try await eventually(timeout: .seconds(15), every: .milliseconds(50)) {
                try await engine.get("/v1/notifications/\(refused)", tenant).json["status"] as? String == "refused"
            }
            #expect(wasRefused)

            // Validate set the time from the category; a category that keeps content has none.
            let due = try await engine.runtime.rows(
                """
                SELECT id::text, extract(epoch FROM erase_content_at - now())::float8 FROM notify.notifications
                WHERE tenant_id = \(tenant.id) ORDER BY created_at
                """
            ).map { try $0.decode((String, Double?).self) }
            #expect(due.count == 4)
            for (id, seconds) in due {
                if id == kept.lowercased() {
                    #expect(seconds == nil)
                } else {
                    #expect((590...600).contains(seconds ?? 0), "\(id) is erased in \(seconds ?? -1) s")
                }
            }
            #expect(try await engine.get("/v1/notifications/\(otp)", tenant).json["erase_content_at"] is String)
            #expect(engine.recorded(.twilio).compactMap(\.body).joined().contains("481516"))

            // Ten minutes pass.
            try await client.query(
                """
                UPDATE notify.notifications SET erase_content_at = now() - interval '1 second'
                WHERE tenant_id = \(tenant.id) AND erase_content_at IS NOT NULL
                """, logger: logger)
            let erased = try await eventually(timeout: .seconds(15), every: .milliseconds(100)) {
                try await engine.runtime.count(
                    "SELECT count(*)::int FROM notify.notifications WHERE content_erased_at IS NOT NULL") == 3
            }
            #expect(erased)

            let notifications = try await engine.runtime.rows(
                """
                SELECT id::text, data::text, request_hash IS NULL, erase_content_at IS NULL FROM notify.notifications
                WHERE tenant_id = \(tenant.id) ORDER BY created_at
                """
            ).map { try $0.decode((String, String, Bool, Bool).self) }
            #expect(notifications.map(\.1) == ["{}", #"{"what": "kept"}"#, "{}", "{}"])
            #expect(notifications.allSatisfy { $0.2 && $0.3 })
            let deliveries = try await engine.runtime.rows(
                """
                SELECT n.category_key, d.status, coalesce(d.reason, ''), d.content IS NULL
                FROM notify.deliveries d JOIN notify.notifications n ON n.id = d.notification_id
                WHERE d.tenant_id = \(tenant.id) ORDER BY d.id
                """
            ).map { try $0.decode((String, String, String, Bool).self) }
            #expect(deliveries.count == 3)
            for (category, status, reason, contentErased) in deliveries {
                switch category {
                case "otp": #expect(status == "delivered" && contentErased, "the sent passcode keeps its status only")
                case "alert": #expect(status == "sent" && !contentErased)
                default: #expect(status == "dropped" && reason == "content_erased" && contentErased)
                }
            }
            let resetView = try await engine.get("/v1/notifications/\(reset)", tenant).json
            #expect(resetView["content_erased_at"] is String)
            #expect((resetView["channels"] as? [String: [String: Int]])?["sms"] == ["dropped": 1])
            let timeline = resetView["timeline"] as? [[String: Any]] ?? []
            #expect(
                timeline.contains {
                    $0["kind"] as? String == "dropped"
                        && ($0["detail"] as? [String: Any])?["reason"] as? String == "content_erased"
                })
            #expect(engine.timelineKinds(resetView).contains("content_erased"))
            #expect(
                engine.timelineKinds(try await engine.get("/v1/notifications/\(otp)", tenant).json).contains(
                    "content_erased"))

            // The key still names the first notification, although its body's hash is gone.
            let replay = try await engine.post(
                "/v1/notifications", tenant, otpBody, headers: ["Idempotency-Key": "login-1"])
            try expect(replay, [202])
            #expect(replay.json["id"] as? String == otp)
            #expect(replay.headers["idempotent-replayed"] == "true")
            #expect(engine.recorded(.twilio).count == 1, "the waiting reset link was never sent")
        }
    }

    @Test("a send attempt that finds a delivery's content erased drops it instead of sending")
    func sendAttemptDropsErasedDelivery() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant()
            let (id, notification) = try await engine.deliveredOTP(tenant)
            let client = engine.runtime.client
            let logger = engine.runtime.logger
            // As after an erasure that came while the message was in flight and its send failed:
            // waiting for a retry, with no content left.
            try await client.query(
                """
                UPDATE notify.deliveries SET status = 'rendered', sending_since = NULL, content = NULL
                WHERE notification_id = \(notification) AND channel = 'sms'
                """, logger: logger)
            let user = try #require(
                try await engine.runtime.rows(
                    "SELECT user_id FROM notify.deliveries WHERE notification_id = \(notification) AND channel = 'sms'"
                ).first?.decode(Int64.self))
            try await client.query(
                """
                SELECT notify.enqueue('send-sms',
                    jsonb_build_object('tenant_id', \(tenant.id)::text, 'notification_id', \(notification),
                                       'channel', 'sms', 'user_ids', jsonb_build_array(\(user))),
                    NULL, NULL, \(tenant.id)::text)
                """, logger: logger)
            let view = try await engine.waitFor(tenant, id, channel: "sms", status: "dropped")
            let drops = (view["timeline"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "dropped" }
            #expect(drops.map { ($0["detail"] as? [String: Any])?["reason"] as? String } == ["content_erased"])
            #expect(engine.recorded(.twilio).count == 1)
        }
    }

    @Test("render drops the deliveries of a notification whose content was erased")
    func renderDropsErasedNotification() async throws {
        try await Engine.with(leader: true) { engine in
            let tenant = try await engine.tenant()
            let sendAt = Date().addingTimeInterval(2)
            let reply = try await engine.post(
                "/v1/notifications", tenant,
                [
                    "category": "welcome", "to": ["user": "ada"], "data": ["name": "Ada"],
                    "send_at": ISO8601DateFormatter().string(from: sendAt),
                ])
            try expect(reply, [202])
            let id = try #require(reply.json["id"] as? String)
            let notification = try #require(UUID(uuidString: id))
            // Erased while it waited (by hand here; the tick erases only what validate timed).
            try await engine.runtime.client.query(
                """
                UPDATE notify.notifications SET data = '{}', content_erased_at = now()
                WHERE id = \(notification) AND status = 'scheduled'
                """, logger: engine.runtime.logger)
            let view = try await engine.settled(tenant, id, timeout: .seconds(20))
            #expect((view["channels"] as? [String: [String: Int]])?["inapp"] == ["dropped": 1])
            let drops = (view["timeline"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "dropped" }
            #expect(drops.map { ($0["detail"] as? [String: Any])?["reason"] as? String } == ["content_erased"])
            #expect(try await engine.inbox(tenant).isEmpty)
        }
    }

    @Test("the tick reads only due notifications, through notifications_content_due")
    func erasureUsesItsIndex() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            for statement in [
                "INSERT INTO notify.tenants (id, name, inbox_secret) VALUES ('acme', 'Acme', '\\x00')",
                """
                INSERT INTO notify.notifications (tenant_id, category_key, recipients, data, erase_content_at)
                SELECT 'acme', 'news', '{"users":["ada"]}', '{"n":1}',
                       CASE WHEN g % 1000 = 0 THEN now() + interval '10 minutes' END
                FROM generate_series(1, 20000) g
                """,
                """
                INSERT INTO notify.notifications (tenant_id, category_key, recipients, data, erase_content_at)
                VALUES ('acme', 'otp', '{"users":["ada"]}', '{"code":"123456"}', now() - interval '1 second')
                """,
                """
                INSERT INTO notify.deliveries (tenant_id, notification_id, user_id, channel, status, content)
                SELECT 'acme', id, 1, 'sms', 'sent', '{"text":"n"}' FROM notify.notifications
                """,
                "ANALYZE notify.notifications",
                "ANALYZE notify.deliveries",
            ] {
                try await client.query(PostgresQuery(unsafeSQL: statement), logger: TestCluster.logger)
            }
            for (name, statement) in [("clearing", ContentErasure.clearing), ("finishing", ContentErasure.finishing)] {
                let plan = try await QueryPlan.of(statement, on: client)
                #expect(plan.indexes.contains("notifications_content_due"), "\(name)")
                #expect(!plan.sequentialScans.contains("notifications"), "\(name)")
                #expect(!plan.sequentialScans.contains("deliveries"), "\(name)")
            }
            let counts = try await client.query(ContentErasure.clearing, logger: TestCluster.logger).collect()
            let (erased, cleared, dropped) = try counts[0].decode((Int, Int, Int).self)
            #expect(erased == 1 && cleared == 1 && dropped == 0)
            let finished = try await client.query(ContentErasure.finishing, logger: TestCluster.logger).collect()
            #expect(try finished[0].decode(Int.self) == 1)
            let left = try await client.query(
                """
                SELECT count(*)::int FROM notify.notifications
                WHERE data = '{}' AND content_erased_at IS NOT NULL AND erase_content_at IS NULL
                """, logger: TestCluster.logger
            ).collect()
            #expect(try left[0].decode(Int.self) == 1)
        }
    }

    @Test("a notification with more deliveries than a tick clears is erased over several ticks, each delivery once")
    func erasureGoesInBoundedSteps() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            let logger = TestCluster.logger
            // A broadcast of 25 users × 2 channels: sent ones with content, waiting ones (rendered
            // with content, pending without), due first; then a single passcode, due after it.
            for statement in [
                "INSERT INTO notify.tenants (id, name, inbox_secret) VALUES ('acme', 'Acme', '\\x00')",
                """
                INSERT INTO notify.notifications (id, tenant_id, category_key, recipients, data, erase_content_at)
                VALUES ('00000000-0000-0000-0000-00000000000b', 'acme', 'news', '{"topic":"all"}', '{"code":"1"}',
                        now() - interval '2 seconds'),
                       ('00000000-0000-0000-0000-00000000000a', 'acme', 'otp', '{"users":["ada"]}', '{"code":"2"}',
                        now() - interval '1 second')
                """,
                """
                INSERT INTO notify.deliveries (tenant_id, notification_id, user_id, channel, status, content)
                SELECT 'acme', '00000000-0000-0000-0000-00000000000b', u, c,
                       CASE WHEN u % 5 = 0 THEN 'pending' WHEN u % 5 = 1 THEN 'rendered' ELSE 'sent' END,
                       CASE WHEN u % 5 = 0 THEN NULL ELSE '{"text":"code 1"}'::jsonb END
                FROM generate_series(1, 25) u CROSS JOIN unnest(ARRAY['email', 'sms']) c
                """,
                """
                INSERT INTO notify.deliveries (tenant_id, notification_id, user_id, channel, status, content)
                VALUES ('acme', '00000000-0000-0000-0000-00000000000a', 7, 'sms', 'delivered', '{"text":"code 2"}')
                """,
            ] {
                try await client.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            let step = ContentErasure.clearing(rowsPerTick: 8)
            var cleared: [Int] = []
            var ticks = 0
            while ticks < 20 {
                ticks += 1
                let counts = try await client.withTransaction(logger: logger) { connection in
                    let counts = try await connection.query(step, logger: logger).collect()
                    _ = try await connection.query(ContentErasure.finishing, logger: logger).collect()
                    return try counts[0].decode((Int, Int, Int).self)
                }
                cleared.append(counts.1)
                let waiting = try await client.query(
                    "SELECT count(*)::int FROM notify.notifications WHERE erase_content_at IS NOT NULL", logger: logger
                ).collect()
                if try waiting[0].decode(Int.self) == 0 { break }
            }
            // 50 deliveries with content or waiting, plus the passcode's one: 51, 8 a tick.
            #expect(cleared.allSatisfy { $0 <= 8 }, "\(cleared)")
            #expect(cleared.reduce(0, +) == 51, "each delivery cleared once: \(cleared)")
            #expect(ticks == 7, "\(cleared)")
            let deliveries = try await client.query(
                """
                SELECT count(*) FILTER (WHERE content IS NOT NULL)::int,
                       count(*) FILTER (WHERE status = 'dropped' AND reason = 'content_erased')::int,
                       count(*) FILTER (WHERE status IN ('pending', 'rendered'))::int
                FROM notify.deliveries
                """, logger: logger
            ).collect()
            #expect(try deliveries[0].decode((Int, Int, Int).self) == (0, 20, 0))
            let events = try await client.query(
                """
                SELECT count(*) FILTER (WHERE kind = 'content_erased')::int, count(*) FILTER (WHERE kind = 'dropped')::int
                FROM notify.events
                """, logger: logger
            ).collect()
            #expect(try events[0].decode((Int, Int).self) == (2, 20), "one content_erased each, one drop per waiting")
            let notifications = try await client.query(
                """
                SELECT count(*)::int FROM notify.notifications
                WHERE data = '{}' AND content_erased_at IS NOT NULL AND erase_content_at IS NULL AND erase_cursor IS NULL
                """, logger: logger
            ).collect()
            #expect(try notifications[0].decode(Int.self) == 2)
        }
    }

    @Test("a campaign of a category that erases content is erased after it completes, and a cancelled one too")
    func campaignsAreErased() async throws {
        try await Engine.with(leader: true) { engine in
            let tenant = try await engine.tenant()
            try expect(
                try await engine.put(
                    "/v1/categories/promo", tenant,
                    ["kind": "marketing", "default_channels": ["inapp"], "erase_content_after_seconds": 600]), [201])
            try expect(
                try await engine.post(
                    "/v1/templates/promo/inapp/en/versions?activate=true", tenant, ["title": "Code {{code}}"]), [201])
            try expect(try await engine.put("/v1/topics/codes", tenant, ["name": "Codes"]), [201])
            try await engine.runtime.client.query(
                """
                INSERT INTO notify.topic_subscribers (tenant_id, topic_key, user_id)
                SELECT tenant_id, 'codes', id FROM notify.users WHERE tenant_id = \(tenant.id) AND external_id = 'ada'
                """, logger: engine.runtime.logger)
            let created = try expect(
                try await engine.post(
                    "/v1/campaigns", tenant,
                    [
                        "name": "Codes", "category": "promo", "audience": ["topic": "codes"],
                        "data": ["code": "SPRING-7"],
                    ]),
                [201])
            let id = try #require(created.json["id"] as? String)
            let later = try expect(
                try await engine.post(
                    "/v1/campaigns", tenant,
                    [
                        "name": "Later", "category": "promo", "audience": ["topic": "codes"],
                        "data": ["code": "FALL-9"],
                        "start_at": ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600)),
                    ]), [201])
            let laterID = try #require(later.json["id"] as? String)
            try expect(try await engine.post("/v1/campaigns/\(laterID)/cancel", tenant), [200])
            let deadline = ContinuousClock.now + .seconds(30)
            var status = ""
            while ContinuousClock.now < deadline, status != "completed" {
                status = try await engine.get("/v1/campaigns/\(id)", tenant).json["status"] as? String ?? ""
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(status == "completed")
            // Completed means every recipient was handed to the pipeline, not that the message
            // reached them: the inbox item is written a few steps later.
            let delivered = await eventually(timeout: .seconds(20)) { (try? await engine.inbox(tenant).count) == 1 }
            #expect(delivered, "the campaign's inbox item did not arrive")
            let timed = try await engine.runtime.rows(
                """
                SELECT extract(epoch FROM erase_content_at - now())::float8 FROM notify.notifications
                WHERE tenant_id = \(tenant.id) AND category_key = 'promo'
                """
            ).map { try $0.decode(Double?.self) }
            #expect(timed.count == 2)
            #expect(timed.allSatisfy { (540...600).contains($0 ?? 0) }, "\(timed)")

            // Ten minutes pass.
            try await engine.runtime.client.query(
                """
                UPDATE notify.notifications SET erase_content_at = now() - interval '1 second'
                WHERE tenant_id = \(tenant.id) AND erase_content_at IS NOT NULL
                """, logger: engine.runtime.logger)
            let erased = try await eventually(timeout: .seconds(15), every: .milliseconds(100)) {
                try await engine.runtime.count(
                    """
                    SELECT count(*)::int FROM notify.notifications
                    WHERE category_key = 'promo' AND content_erased_at IS NOT NULL AND erase_content_at IS NULL
                      AND data = '{}'
                    """) == 2
            }
            #expect(erased)
            #expect(
                try await engine.runtime.count(
                    "SELECT count(*)::int FROM notify.deliveries WHERE tenant_id = \(tenant.id) AND content IS NOT NULL"
                )
                    == 0)
            #expect(try await engine.inbox(tenant).count == 1, "the inbox item is the user's and stays")
        }
    }
}
