import Foundation
import NotifyModel
import NotifyProviders
import NotifySandbox
import NotifyTestSupport
import PostgresNIO
import Testing

/// Digests on the running engine: notifications of a digest category collect per user and
/// channel into one message, released on a size limit or when the window ends, through render and
/// the channel's sender.
@Suite(.serialized) struct DigestTests {
    /// Category `activity` (template `activity`: `{{what}}`) with a digest rendered by
    /// `activity-digest`: `{{count}} updates` and the items' `what`.
    static func digestCategory(
        _ engine: Engine, _ tenant: Engine.Tenant, channel: String = "inapp", window: Int, maxItems: Int,
        mode: String = "always", capAction: String? = nil, critical: Bool = false
    ) async throws {
        var body: [String: Any] = [
            "kind": "transactional", "critical": critical, "default_channels": [channel],
            "digest": ["window_seconds": window, "max_items": maxItems, "template": "activity-digest", "mode": mode],
        ]
        if let capAction { body["cap_action"] = capAction }
        try expect(try await engine.put("/v1/categories/activity", tenant, body), [200, 201])
        let (single, digest): ([String: Any], [String: Any]) =
            channel == "inapp"
            ? (["title": "{{what}}"], ["title": "{{count}} updates", "body": "{{#items}}{{what}};{{/items}}"])
            : (["text": "{{what}}"], ["text": "{{count}} updates: {{#items}}{{what}};{{/items}}"])
        for (key, source) in [("activity", single), ("activity-digest", digest)] {
            try expect(
                try await engine.post("/v1/templates/\(key)/\(channel)/en/versions?activate=true", tenant, source),
                [201])
        }
    }

    /// Sends `count` notifications of `activity` to ada, `what` being `item-<n>`.
    static func send(_ engine: Engine, _ tenant: Engine.Tenant, _ range: ClosedRange<Int>) async throws -> [String] {
        var ids: [String] = []
        for n in range {
            ids.append(
                try await engine.notify(
                    tenant, ["category": "activity", "to": ["user": "ada"], "data": ["what": "item-\(n)"]]))
        }
        return ids
    }

    static func scalar(_ engine: Engine, _ query: PostgresQuery) async throws -> Int {
        try await engine.runtime.rows(query).first?.decode(Int.self) ?? 0
    }

    @Test func aUsersDigestsAreListedNewestFirstWithTheirCountsAndPages() async throws {
        try await Engine.with { engine in
            let tenant = try await engine.tenant()
            try await Self.digestCategory(engine, tenant, window: 600, maxItems: 3)
            // Three fill and close the first digest; two more collect in a second, still open.
            _ = try await Self.send(engine, tenant, 1...5)
            let settled = await eventually(timeout: .seconds(60)) {
                let list = try? await engine.get("/v1/users/ada/digests", tenant).json["digests"] as? [[String: Any]]
                return list?.count == 2 && list?.last?["status"] as? String == "closed"
                    && list?.first?["items"] as? Int == 2
            }
            #expect(settled)
            let all = try await engine.get("/v1/users/ada/digests", tenant).json["digests"] as? [[String: Any]] ?? []
            #expect(all.map { $0["status"] as? String } == ["open", "closed"])
            #expect(all.first?["category"] as? String == "activity")
            #expect(all.first?["channel"] as? String == "inapp")
            #expect(all.first?["max_items"] as? Int == 3)
            #expect(all.first?["notification_id"] is NSNull)
            #expect(all.last?["items"] as? Int == 3)
            #expect((all.last?["notification_id"] as? String)?.count == 36)

            let open = try await engine.get("/v1/users/ada/digests?status=open", tenant).json
            #expect((open["digests"] as? [[String: Any]])?.count == 1)
            let first = try await engine.get("/v1/users/ada/digests?limit=1", tenant).json
            #expect((first["digests"] as? [[String: Any]])?.first?["status"] as? String == "open")
            let cursor = try #require(first["next_cursor"] as? String)
            let second = try await engine.get("/v1/users/ada/digests?limit=1&cursor=\(cursor)", tenant).json
            #expect((second["digests"] as? [[String: Any]])?.first?["status"] as? String == "closed")
            #expect(second["next_cursor"] == nil)

            for (query, code) in [
                ("status=pending", "invalid_status"), ("limit=0", "invalid_limit"), ("limit=x", "invalid_limit"),
                ("cursor=-3", "invalid_cursor"),
            ] {
                let reply = try await engine.get("/v1/users/ada/digests?\(query)", tenant)
                #expect(reply.status == 400, "\(query)")
                #expect(reply.json["code"] as? String == code, "\(query)")
            }
            #expect(try await engine.get("/v1/users/nobody/digests", tenant).status == 404)
        }
    }

    @Test func fiftyNotificationsBecomeOneInAppMessageAndEachTimelineSaysSo() async throws {
        try await Engine.with { engine in
            let tenant = try await engine.tenant()
            try await Self.digestCategory(engine, tenant, window: 600, maxItems: 50)
            let ids = try await Self.send(engine, tenant, 1...50)
            let arrived = await eventually(timeout: .seconds(60)) {
                (try? await engine.inbox(tenant).count) == 1
            }
            #expect(arrived)
            let inbox = try await engine.inbox(tenant)
            #expect(inbox.count == 1)
            let item = try #require(inbox.first)
            #expect(item["title"] as? String == "50 updates")
            let body = item["body"] as? String ?? ""
            for n in 1...50 { #expect(body.contains("item-\(n);"), "item-\(n) missing from \(body)") }
            // Still exactly one after the pipeline has settled: nothing was sent on its own.
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await engine.inbox(tenant).count == 1)
            for id in ids {
                let view = try await engine.settled(tenant, id)
                #expect((view["channels"] as? [String: [String: Int]])?["inapp"] == ["digested": 1])
                let kinds = engine.timelineKinds(view)
                #expect(kinds.contains("digested") && kinds.contains("digest_released"), "\(kinds)")
            }
            #expect(try await Self.scalar(engine, "SELECT count(*)::int FROM notify.digests") == 1)
            #expect(
                try await Self.scalar(engine, "SELECT count(*)::int FROM notify.digest_items WHERE position <= 50")
                    == 50)
        }
    }

    @Test func theSizeLimitClosesADigestEarlyAndTheNextItemsOpenAnother() async throws {
        try await Engine.with { engine in
            let tenant = try await engine.tenant()
            try await Self.digestCategory(engine, tenant, window: 3600, maxItems: 3)
            _ = try await Self.send(engine, tenant, 1...7)
            let arrived = await eventually(timeout: .seconds(30)) {
                (try? await engine.inbox(tenant).count) == 2
            }
            #expect(arrived)
            let titles = try await engine.inbox(tenant).compactMap { $0["title"] as? String }
            #expect(titles == ["3 updates", "3 updates"])
            let collected = await eventually(timeout: .seconds(10)) {
                (try? await Self.scalar(
                    engine, "SELECT coalesce(sum(item_count), 0)::int FROM notify.digests WHERE status = 'open'")) == 1
            }
            #expect(collected, "the seventh item waits in an open digest for its window")
            #expect(
                try await Self.scalar(engine, "SELECT count(*)::int FROM notify.digests WHERE status = 'closed'") == 2)
        }
    }

    @Test func theWindowClosesOnTime() async throws {
        try await Engine.with { engine in
            let tenant = try await engine.tenant()
            try await Self.digestCategory(engine, tenant, window: 4, maxItems: 100)
            let ids = try await Self.send(engine, tenant, 1...4)
            for id in ids { _ = try await engine.settled(tenant, id) }
            #expect(try await engine.inbox(tenant).isEmpty, "the window is still open")
            let arrived = await eventually(timeout: .seconds(15)) {
                (try? await engine.inbox(tenant).count) == 1
            }
            #expect(arrived)
            #expect(try await engine.inbox(tenant).first?["title"] as? String == "4 updates")
            let rows = try await engine.runtime.rows(
                "SELECT extract(epoch FROM closed_at - opened_at)::float8 FROM notify.digests")
            let open = try #require(try rows.first?.decode(Double.self))
            #expect(open >= 4 && open < 7, "the digest was open for \(open) s")
        }
    }

    @Test func aDigestOverTheFrequencyCapCollectsOnlyWhatIsOverTheCap() async throws {
        try await Engine.with { engine in
            let tenant = try await engine.tenant()
            try await Self.digestCategory(
                engine, tenant, window: 3600, maxItems: 3, mode: "over_cap", capAction: "digest")
            try expect(
                try await engine.put(
                    "/v1/users/ada/preferences", tenant,
                    ["frequency_caps": ["activity": ["limit": 2, "window_seconds": 3600]]]), [200])
            for id in try await Self.send(engine, tenant, 1...2) { _ = try await engine.settled(tenant, id) }
            _ = try await Self.send(engine, tenant, 3...5)
            let arrived = await eventually(timeout: .seconds(30)) {
                (try? await engine.inbox(tenant).count) == 3
            }
            #expect(arrived)
            let titles = Set(try await engine.inbox(tenant).compactMap { $0["title"] as? String })
            #expect(titles == ["item-1", "item-2", "3 updates"])
        }
    }

    @Test func aDigestReleasedInQuietHoursWaitsUntilTheyEnd() async throws {
        try await Engine.with(leader: true, sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant()
            try await Self.digestCategory(engine, tenant, channel: "sms", window: 3600, maxItems: 3)
            // Quiet hours (ada's zone is UTC) from a minute ago until the next whole minute at least
            // 20 seconds away: minutes are the finest grain quiet hours have.
            let now = Date()
            let minute = floor(now.timeIntervalSince1970 / 60) * 60
            let end = Date(timeIntervalSince1970: minute + (now.timeIntervalSince1970 - minute > 40 ? 120 : 60))
            func clock(_ date: Date) -> String {
                let parts = Calendar(identifier: .gregorian).dateComponents(
                    in: TimeZone(identifier: "UTC")!, from: date)
                return String(format: "%02d:%02d", parts.hour!, parts.minute!)
            }
            try expect(
                try await engine.put(
                    "/v1/users/ada/preferences", tenant,
                    ["quiet_hours": ["start": clock(now.addingTimeInterval(-60)), "end": clock(end)]]), [200])
            _ = try await Self.send(engine, tenant, 1...3)
            let held = await eventually(timeout: .seconds(15)) {
                (try? await Self.scalar(
                    engine,
                    """
                    SELECT count(*)::int FROM notify.deliveries d JOIN notify.notifications n ON n.id = d.notification_id
                    WHERE n.digest_id IS NOT NULL AND d.status = 'deferred' AND d.reason = 'quiet_hours'
                    """)) == 1
            }
            #expect(held, "the released digest is deferred by quiet hours")
            #expect(engine.recorded(.twilio).isEmpty)
            let sent = await eventually(timeout: .seconds(150)) { !engine.recorded(.twilio).isEmpty }
            #expect(sent)
            let messages = engine.recorded(.twilio)
            #expect(messages.count == 1)
            let text = messages.first?.body ?? ""
            #expect(text.hasPrefix("3 updates: "), "\(text)")
            for n in 1...3 { #expect(text.contains("item-\(n);"), "\(text)") }
            #expect((messages.first?.receivedAt ?? .distantPast) >= end)
        }
    }

    @Test func aCriticalCategorysDigestIsNotHeldByQuietHours() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant()
            try await Self.digestCategory(engine, tenant, channel: "sms", window: 3600, maxItems: 2, critical: true)
            try expect(
                try await engine.put(
                    "/v1/users/ada/preferences", tenant, ["quiet_hours": ["start": "00:00", "end": "23:59"]]), [200])
            _ = try await Self.send(engine, tenant, 1...2)
            let sent = await eventually(timeout: .seconds(20)) { engine.recorded(.twilio).count == 1 }
            #expect(sent)
            #expect(engine.recorded(.twilio).first?.body?.hasPrefix("2 updates: ") == true)
        }
    }

    /// A refused digest setting: the category body's `digest` and `cap_action`, and the code.
    struct BadDigest: Sendable, CustomTestStringConvertible {
        var digest: String
        var capAction: String?
        var code: String
        var testDescription: String { "\(digest) with cap_action \(capAction ?? "none") → \(code)" }
    }

    @Test(arguments: [
        BadDigest(digest: #"{"window_seconds":0,"max_items":5,"template":"d"}"#, code: "invalid_digest"),
        BadDigest(digest: #"{"window_seconds":60,"max_items":1,"template":"d"}"#, code: "invalid_digest"),
        BadDigest(digest: #"{"window_seconds":60,"max_items":5}"#, code: "invalid_digest"),
        BadDigest(
            digest: #"{"window_seconds":60,"max_items":5,"template":"d","mode":"sometimes"}"#, code: "invalid_digest"),
        BadDigest(digest: #""daily""#, code: "invalid_digest"),
        BadDigest(
            digest: #"{"window_seconds":60,"max_items":5,"template":"d","mode":"over_cap"}"#,
            code: "digest_cap_mismatch"),
        BadDigest(
            digest: #"{"window_seconds":60,"max_items":5,"template":"d"}"#, capAction: "digest",
            code: "digest_cap_mismatch"),
        BadDigest(digest: "null", capAction: "digest", code: "digest_cap_mismatch"),
    ])
    func badDigestSettingsGetClearErrors(_ bad: BadDigest) async throws {
        try await Engine.with { engine in
            let tenant = try await engine.tenant()
            var body: [String: Any] = [
                "kind": "transactional", "default_channels": ["inapp"],
                "digest": try JSONSerialization.jsonObject(with: Data(bad.digest.utf8), options: [.fragmentsAllowed]),
            ]
            if let capAction = bad.capAction { body["cap_action"] = capAction }
            let reply = try await engine.put("/v1/categories/activity", tenant, body)
            #expect(reply.status == 400)
            #expect(reply.headers["content-type"] == "application/problem+json")
            #expect(reply.json["code"] as? String == bad.code, "\(reply.text)")
            #expect((reply.json["detail"] as? String ?? "").count > 20, "\(reply.text)")
            let categories = try await engine.get("/v1/categories", tenant).json["categories"] as? [[String: Any]]
            #expect(categories?.contains { $0["key"] as? String == "activity" } == false, "nothing was stored")
        }
    }

    @Test func theCategoryShowsItsDigest() async throws {
        try await Engine.with { engine in
            let tenant = try await engine.tenant()
            try await Self.digestCategory(engine, tenant, window: 900, maxItems: 20)
            let categories = try await engine.get("/v1/categories", tenant).json["categories"] as? [[String: Any]]
            let activity = try #require(categories?.first { $0["key"] as? String == "activity" })
            let digest = try #require(activity["digest"] as? [String: Any])
            #expect(digest["window_seconds"] as? Int == 900)
            #expect(digest["max_items"] as? Int == 20)
            #expect(digest["template"] as? String == "activity-digest")
            #expect(digest["mode"] as? String == "always")
            // Replacing the category without a digest (or with "digest": null) removes it.
            try expect(
                try await engine.put(
                    "/v1/categories/activity", tenant,
                    ["kind": "transactional", "default_channels": ["inapp"], "digest": NSNull()]), [200])
            let after = try await engine.get("/v1/categories", tenant).json["categories"] as? [[String: Any]]
            #expect(after?.first { $0["key"] as? String == "activity" }?["digest"] is NSNull)
        }
    }
}
