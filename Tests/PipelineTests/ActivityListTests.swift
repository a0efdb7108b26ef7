import Foundation
import PostgresNIO
import Testing

/// The activity lists: `GET /v1/notifications` and `GET /v1/users/{user}/deliveries`, newest
/// first, filtered, paged by a cursor that neither skips nor repeats rows of the same microsecond.
@Suite(.serialized) struct ActivityListTests {
    /// Every page of `path` (which has its own query) at `limit` per page, in order.
    static func allPages(
        _ engine: Engine, _ tenant: Engine.Tenant, _ path: String, key: String, limit: Int
    ) async throws -> [[String: Any]] {
        var items: [[String: Any]] = []
        var cursor: String?
        repeat {
            let separator = path.contains("?") ? "&" : "?"
            let page = try expect(
                try await engine.get(
                    "\(path)\(separator)limit=\(limit)" + (cursor.map { "&cursor=\($0)" } ?? ""), tenant), [200])
            let rows = page.json[key] as? [[String: Any]] ?? []
            #expect(rows.count <= limit)
            items += rows
            cursor = page.json["next_cursor"] as? String
        } while cursor != nil
        return items
    }

    @Test func notificationsAreListedNewestFirstFilteredAndPagedWithoutGapsOrRepeats() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            var sent: [String] = []
            for n in 1...4 {
                let id = try await engine.notify(
                    acme, ["category": "welcome", "to": ["user": "ada"], "data": ["name": "n\(n)"]])
                _ = try await engine.settled(acme, id)
                sent.append(id)
            }
            // The tenant has no SMS template or route: refused by validate.
            let refused = try await engine.notify(
                acme, ["category": "welcome", "to": ["user": "ada"], "channels": ["sms"], "data": ["name": "x"]])
            _ = try await engine.settled(acme, refused)
            sent.append(refused)
            // Three created in one microsecond: the cursor orders them by id.
            try await engine.runtime.client.query(
                """
                INSERT INTO notify.notifications (tenant_id, category_key, recipients, status, created_at)
                SELECT 'acme', 'welcome', '{"users":[]}', 'done', '2020-01-01T00:00:00.123456Z' FROM generate_series(1, 3)
                """, logger: engine.runtime.logger)

            let all = try await Self.allPages(engine, acme, "/v1/notifications", key: "notifications", limit: 2)
            let ids = all.compactMap { $0["id"] as? String }
            #expect(ids.count == 8)
            #expect(Set(ids).count == 8)
            #expect(Array(ids.prefix(5)) == sent.reversed())
            #expect(all.first?["status"] as? String == "refused")
            #expect(all.first?["refusal_code"] as? String == "no_deliverable_channel")
            #expect(all.last?["created_at"] as? String == "2020-01-01T00:00:00.123Z")

            let onlyRefused = try await engine.get("/v1/notifications?status=refused", acme).json["notifications"]
            #expect((onlyRefused as? [[String: Any]])?.map { $0["id"] as? String } == [refused])
            let old = try await engine.get("/v1/notifications?until=2021-01-01T00:00:00Z", acme).json
            #expect((old["notifications"] as? [Any])?.count == 3)
            let recent = try await engine.get("/v1/notifications?since=2021-01-01T00:00:00%2B01:00", acme).json
            #expect((recent["notifications"] as? [Any])?.count == 5)
            let none = try await engine.get("/v1/notifications?category=other", acme).json
            #expect((none["notifications"] as? [Any])?.isEmpty == true)

            for (query, code) in [
                ("status=sent", "invalid_status"), ("since=yesterday", "invalid_since"),
                ("until=2030-01-01T00:00:00", "invalid_until"), ("limit=0", "invalid_limit"),
                ("cursor=abc", "invalid_cursor"), ("cursor=12_notauuid", "invalid_cursor"),
                ("since=2030-01-01T00:00:00Z&until=2029-01-01T00:00:00Z", "invalid_range"),
            ] {
                let reply = try await engine.get("/v1/notifications?\(query)", acme)
                #expect(reply.status == 400, "\(query)")
                #expect(reply.json["code"] as? String == code, "\(query)")
            }
            // Another tenant sees none of them.
            let globex = try await engine.tenant("globex")
            #expect(
                (try await engine.get("/v1/notifications", globex).json["notifications"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func aUsersDeliveriesShowWhatWasSentToThemOnly() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try expect(try await engine.put("/v1/users/bob", acme, ["locale": "en"]), [201])
            var adas: [String] = []
            for user in ["ada", "bob", "ada", "ada"] {
                let id = try await engine.notify(
                    acme, ["category": "welcome", "to": ["user": user], "data": ["name": "x"]])
                _ = try await engine.settled(acme, id)
                if user == "ada" { adas.append(id) }
            }
            let all = try await Self.allPages(
                engine, acme, "/v1/users/ada/deliveries", key: "deliveries", limit: 2)
            #expect(all.compactMap { $0["notification_id"] as? String } == adas.reversed())
            #expect(all.allSatisfy { $0["channel"] as? String == "inapp" && $0["status"] as? String == "delivered" })
            #expect(all.first?["category"] as? String == "welcome")
            let bobs = try await engine.get("/v1/users/bob/deliveries", acme).json["deliveries"] as? [[String: Any]]
            #expect(bobs?.count == 1)
            let email = try await engine.get("/v1/users/ada/deliveries?channel=email", acme).json["deliveries"]
            #expect((email as? [Any])?.isEmpty == true)
            let dropped = try await engine.get("/v1/users/ada/deliveries?status=dropped", acme).json["deliveries"]
            #expect((dropped as? [Any])?.isEmpty == true)
            #expect(
                try await engine.get("/v1/users/ada/deliveries?channel=fax", acme).json["code"] as? String
                    == "invalid_channel")
            #expect(
                try await engine.get("/v1/users/ada/deliveries?status=done", acme).json["code"] as? String
                    == "invalid_status")
            #expect(
                try await engine.get("/v1/users/nobody/deliveries", acme).json["code"] as? String == "user_not_found")
            let globex = try await engine.tenant("globex")
            let theirs = try await engine.get("/v1/users/ada/deliveries", globex).json["deliveries"]
            #expect((theirs as? [Any])?.isEmpty == true)
        }
    }
}
