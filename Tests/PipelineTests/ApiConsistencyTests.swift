import Foundation
import NotifyModel
import Testing

/// Answers an API audit found wrong: each case is refused (or shown) with a stable code and a
/// detail that says what to do, and the valid forms beside it still work.
@Suite(.serialized) struct ApiConsistencyTests {
    func problem(_ reply: Engine.Reply) -> (status: Int, code: String, detail: String) {
        (reply.status, reply.json["code"] as? String ?? "", reply.json["detail"] as? String ?? "")
    }

    /// `2026-12-05T09:00` for an instant, read on the UTC wall clock.
    static func wallClock(_ instant: Date) -> String {
        String(Date.ISO8601FormatStyle().format(instant).prefix(16))
    }

    @Test func anEventSubscriptionForAKindNoTimelineHoldsIsRefusedListingTheKinds() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let url = "https://example.com/notify-events"
            let typo = try await engine.post("/v1/event-subscriptions", acme, ["url": url, "kinds": ["delivred"]])
            let (status, code, detail) = problem(typo)
            #expect(status == 400 && code == "invalid_kinds", "\(typo.text)")
            #expect(detail.contains(#""delivred""#) && detail.contains("delivered") && detail.contains("bounced"))
            #expect(detail.contains("spam_reported") && detail.contains("leave \"kinds\" empty"))
            let listed = try await engine.get("/v1/event-subscriptions", acme).json["subscriptions"] as? [Any]
            #expect(listed?.isEmpty == true, "nothing was stored")

            let good = try await engine.post(
                "/v1/event-subscriptions", acme, ["url": url, "kinds": ["delivered", "bounced", "delivered"]])
            try expect(good, [201])
            #expect(good.json["kinds"] as? [String] == ["delivered", "bounced"])
            try expect(try await engine.post("/v1/event-subscriptions", acme, ["url": url, "kinds": []]), [201])
            try expect(try await engine.post("/v1/event-subscriptions", acme, ["url": url]), [201])

            let document = try await engine.get("/openapi.json", nil).json
            let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any]
            let request = (schemas?["EventSubscriptionRequest"] as? [String: Any])?["properties"] as? [String: Any]
            let items = (request?["kinds"] as? [String: Any])?["items"] as? [String: Any]
            #expect(items?["enum"] as? [String] == TimelineEventKind.names)
        }
    }

    @Test func aZoneIsShownAsItWasGivenAndTheTenantDefaultAsUTC() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let notification: [String: Any] = ["category": "welcome", "to": ["user": "ada"], "data": ["name": "A"]]
            let created = try await engine.post(
                "/v1/schedules", acme,
                ["id": "utc", "cron": "0 9 * * *", "timezone": "UTC", "notification": notification])
            try expect(created, [201])
            #expect(created.json["timezone"] as? String == "UTC")
            #expect(try await engine.get("/v1/schedules/utc", acme).json["timezone"] as? String == "UTC")
            let berlin = try await engine.post(
                "/v1/schedules", acme,
                ["id": "berlin", "cron": "0 9 * * *", "timezone": "Europe/Berlin", "notification": notification])
            #expect(berlin.json["timezone"] as? String == "Europe/Berlin")
            let moved = try await engine.send(.PATCH, "/v1/schedules/berlin", acme, ["timezone": "UTC"])
            #expect(moved.json["timezone"] as? String == "UTC", "\(moved.text)")

            // A local time already past everywhere: each delivery is planned at once.
            try expect(try await engine.put("/v1/users/nozone", acme, ["locale": "en"]), [201])
            try expect(try await engine.put("/v1/users/utc", acme, ["locale": "en", "timezone": "UTC"]), [201])
            let id = try await engine.notify(
                acme,
                [
                    "category": "welcome", "to": ["users": ["ada", "nozone", "utc"]], "data": ["name": "B"],
                    "send_at_local": Self.wallClock(Date().addingTimeInterval(-2 * 86_400)),
                ])
            try await LocalTimeSendTests.poll {
                LocalTimeSendTests.releases(try await engine.get("/v1/notifications/\(id)", acme).json).count == 3
            }
            let releases = LocalTimeSendTests.releases(try await engine.get("/v1/notifications/\(id)", acme).json)
            #expect(releases.mapValues(\.zone) == ["ada": "Europe/Berlin", "nozone": "UTC", "utc": "UTC"])
        }
    }

    @Test func aCancelledNotificationIsNotRescheduledAndSaysSo() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let later = Date().addingTimeInterval(30 * 86_400).formatted(.iso8601)
            let id = try await engine.notify(
                acme, ["category": "welcome", "to": ["user": "ada"], "data": ["name": "C"], "send_at": later])
            try expect(try await engine.post("/v1/notifications/\(id)/cancel", acme), [200])
            let again = try await engine.send(.PATCH, "/v1/notifications/\(id)", acme, ["send_at": later])
            let (status, code, detail) = problem(again)
            #expect(status == 409 && code == "notification_cancelled", "\(again.text)")
            #expect(detail.contains("was cancelled and cannot be rescheduled") && detail.contains("send a new one"))
            #expect(!detail.contains("already released"))
        }
    }

    @Test func aDigestNumberGivenAsTextSaysItMustBeAWholeNumber() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            func put(_ digest: [String: Any]) async throws -> Engine.Reply {
                try await engine.put(
                    "/v1/categories/activity", acme,
                    ["kind": "transactional", "default_channels": ["inapp"], "digest": digest])
            }
            let text = try await put(["window_seconds": "60", "max_items": "5", "template": "activity-digest"])
            let (status, code, detail) = problem(text)
            #expect(status == 400 && code == "invalid_digest", "\(text.text)")
            #expect(detail.contains("window_seconds must be a whole number of seconds, such as 3600"), "\(detail)")
            #expect(detail.contains("max_items must be a whole number of items, such as 50"), "\(detail)")
            #expect(detail.contains("(got a string)") && !detail.contains("is required"), "\(detail)")
            let fraction = problem(try await put(["window_seconds": 60.5, "max_items": 5, "template": "d"])).detail
            #expect(fraction.contains("window_seconds must be a whole number") && fraction.contains("(got a fraction)"))
            let missing = problem(try await put(["template": "d"])).detail
            #expect(missing.contains("window_seconds is required") && missing.contains("max_items is required"))
            try expect(try await put(["window_seconds": 60, "max_items": 5, "template": "activity-digest"]), [201])
        }
    }

    @Test func aSegmentNodeWithTwoCombinatorsSaysANodeTakesExactlyOne() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let condition: [String: Any] = ["field": "locale", "op": "eq", "value": "en"]
            let both = try await engine.put(
                "/v1/segments/both", acme, ["filter": ["any": [condition], "all": [] as [Any]]])
            let (status, code, detail) = problem(both)
            #expect(status == 422 && code == "invalid_segment_filter", "\(both.text)")
            #expect(
                detail.hasPrefix(#"filter holds "all" and "any"; a node takes exactly one of "all", "any" or "not""#))
            #expect(!detail.contains("unknown key"))
            let nested = try await engine.put(
                "/v1/segments/mixed", acme,
                ["filter": ["all": [condition.merging(["not": condition]) { $1 }]]])
            #expect(problem(nested).detail.hasPrefix(#"filter.all[0] holds "field", "not", "op" and "value""#))
            try expect(
                try await engine.put(
                    "/v1/segments/fine", acme, ["filter": ["all": [["any": [condition]], ["not": condition]]]]), [201])
        }
    }

    @Test func sendTimesOutsideTenYearsBackOrAheadAreRefusedNamingTheRange() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let send: [String: Any] = ["category": "welcome", "to": ["user": "ada"], "data": ["name": "D"]]
            let day: TimeInterval = 86_400
            let today = Date()
            // Either side of midnight UTC, the range names one of these first days.
            let earliest = [today, today.addingTimeInterval(-60)].map {
                Self.wallClock($0.addingTimeInterval(-3653 * day)).prefix(10) + "T00:00:00"
            }
            for text in ["0001-01-01T00:00", "9999-12-31T23:59", Self.wallClock(today.addingTimeInterval(-3700 * day))]
            {
                let reply = try await engine.post(
                    "/v1/notifications", acme, send.merging(["send_at_local": text]) { $1 })
                let (status, code, detail) = problem(reply)
                #expect(status == 400 && code == "invalid_send_at_local", "\(text): \(reply.text)")
                #expect(detail.contains("is outside the accepted range: from "), "\(detail)")
                #expect(earliest.contains { detail.contains($0) } && detail.contains("T23:59:59"), "\(detail)")
            }
            let instant = try await engine.post(
                "/v1/notifications", acme, send.merging(["send_at": "0001-01-01T00:00:00Z"]) { $1 })
            #expect(problem(instant).code == "invalid_send_at", "\(instant.text)")
            #expect(earliest.contains { problem(instant).detail.contains($0 + "Z") }, "\(instant.text)")
            let batch = try await engine.post(
                "/v1/notifications/batch", acme,
                ["notifications": [send, send.merging(["send_at_local": "9999-12-31T23:59"]) { $1 }]])
            #expect(problem(batch).code == "invalid_send_at_local")
            #expect(problem(batch).detail.hasPrefix("notifications[1]: \"send_at_local\" 9999-12-31T23:59:00"))

            // Inside the window: taken, and a waiting one moves only within it.
            let far = Self.wallClock(today.addingTimeInterval(9 * 365 * day))
            let id = try await engine.notify(acme, send.merging(["send_at_local": far]) { $1 })
            try await engine.notify(acme, send.merging(["send_at_local": Self.wallClock(today - 300 * day)]) { $1 })
            let patch = try await engine.send(
                .PATCH, "/v1/notifications/\(id)", acme, ["send_at_local": "0001-01-01T00:00"])
            #expect(problem(patch).code == "invalid_send_at_local", "\(patch.text)")
        }
    }

    @Test func aWrongMethodOnAnExistingPathIs405WithAllow() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            for (method, path, allow) in [
                ("DELETE", "/v1/notifications", "GET, POST"),
                ("DELETE", "/v1/notifications/\(UUID().uuidString.lowercased())", "GET, PATCH"),
                ("POST", "/v1/categories", "GET"),
                ("PATCH", "/v1/categories/welcome", "GET, PUT"),
                ("GET", "/v1/campaigns/x/pause", "POST"),
            ] {
                let reply = try await engine.send(.init(rawValue: method), path, acme, nil)
                let (status, code, detail) = problem(reply)
                #expect(status == 405 && code == "method_not_allowed", "\(method) \(path): \(reply.text)")
                #expect(reply.headers["allow"] == allow, "\(method) \(path)")
                #expect(detail.hasPrefix("\(method) is not allowed on \(path); use "), "\(detail)")
            }
            let missing = try await engine.send(.DELETE, "/v1/nothing-here", acme, nil)
            #expect(problem(missing).status == 404 && problem(missing).code == "no_such_route")
        }
    }

    @Test func aPreviewLocaleIsCheckedAsATemplatesLocaleIs() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let preview = try await engine.post(
                "/v1/templates/preview", acme, ["channel": "inapp", "key": "welcome", "locale": "!!"])
            let create = try await engine.post(
                "/v1/templates/welcome/inapp/!!/versions", acme, ["title": "Hi", "body": "there"])
            #expect(problem(preview).status == 400 && problem(preview).code == "invalid_locale", "\(preview.text)")
            #expect(problem(preview).code == problem(create).code && problem(preview).detail == problem(create).detail)
            let fallback = try await engine.post(
                "/v1/templates/preview", acme,
                ["channel": "inapp", "key": "welcome", "locale": "pt_br", "data": ["name": "Ada"]])
            try expect(fallback, [200])
            #expect(fallback.json["locale"] as? String == "en")
            #expect(fallback.json["title"] as? String == "Hello Ada")
        }
    }

    @Test func aCategoryCanBeReadByItsKey() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let globex = try await engine.tenant("globex", seed: false)
            let reply = try await engine.get("/v1/categories/welcome", acme)
            try expect(reply, [200])
            #expect(reply.json["key"] as? String == "welcome" && reply.json["kind"] as? String == "transactional")
            #expect(reply.json["default_channels"] as? [String] == ["inapp"])
            let listed = try await engine.get("/v1/categories", acme).json["categories"] as? [[String: Any]]
            #expect(listed?.first?["template"] as? String == reply.json["template"] as? String)
            for (path, tenant) in [("/v1/categories/nope", acme), ("/v1/categories/welcome", globex)] {
                let missing = try await engine.get(path, tenant)
                #expect(problem(missing).status == 404 && problem(missing).code == "category_not_found", "\(path)")
            }
            #expect(problem(try await engine.get("/v1/categories/Bad!", acme)).code == "invalid_key")
        }
    }
}
