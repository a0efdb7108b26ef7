import CampaignFunction
import Foundation
import NotifyFunctionKit
import NotifyModel
import NotifyTestSupport
import PostgresNIO
import Testing

/// Campaigns and segments over real HTTP and PostgreSQL: expansion, pacing, pause, resume, cancel.
@Suite(.serialized) struct CampaignTests {
    /// `count` users `fan-1…fan-count`, subscribed to topic `fans`.
    func seedFans(_ engine: Engine, _ tenant: Engine.Tenant, count: Int) async throws {
        try await engine.runtime.client.query(
            """
            INSERT INTO notify.users (tenant_id, external_id, data)
            SELECT \(tenant.id), 'fan-' || n, jsonb_build_object('n', n) FROM generate_series(1, \(count)) AS n
            """, logger: engine.runtime.logger)
        try expect(try await engine.put("/v1/topics/fans", tenant, ["name": "Fans"]), [201])
        try await engine.runtime.client.query(
            """
            INSERT INTO notify.topic_subscribers (tenant_id, topic_key, user_id)
            SELECT \(tenant.id), 'fans', id FROM notify.users WHERE tenant_id = \(tenant.id) AND external_id LIKE 'fan-%'
            """, logger: engine.runtime.logger)
    }

    func campaign(_ engine: Engine, _ tenant: Engine.Tenant, _ id: String) async throws -> [String: Any] {
        try expect(try await engine.get("/v1/campaigns/\(id)", tenant), [200]).json
    }

    /// Polls the campaign until `done` holds for it.
    func waitFor(
        _ engine: Engine, _ tenant: Engine.Tenant, _ id: String, timeout: Duration = .seconds(30),
        _ done: ([String: Any]) -> Bool
    ) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        var last: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            last = try await campaign(engine, tenant, id)
            if done(last) { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw EngineError("campaign \(id) did not reach the expected state: \(last)")
    }

    func deliveries(_ view: [String: Any]) -> [String: Int] { view["deliveries"] as? [String: Int] ?? [:] }

    @Test func aCampaignToASegmentReachesExactlyTheUsersItsFilterMatches() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try await engine.runtime.client.query(
                """
                INSERT INTO notify.users (tenant_id, external_id, locale, data)
                SELECT 'acme', 'u-' || n, CASE WHEN n % 5 = 0 THEN 'pt-BR' ELSE 'en' END,
                       jsonb_build_object('plan', (ARRAY['free', 'pro', 'team'])[n % 3 + 1], 'seats', n,
                                          'tags', CASE WHEN n % 4 = 0 THEN '["beta"]'::jsonb ELSE '[]'::jsonb END,
                                          'churned', n % 7 = 0)
                FROM generate_series(1, 600) AS n
                """, logger: engine.runtime.logger)
            let filter: [String: Any] = [
                "all": [
                    ["field": "data.plan", "op": "in", "value": ["pro", "team"]],
                    [
                        "any": [
                            ["field": "data.tags", "op": "contains", "value": "beta"],
                            ["field": "locale", "op": "eq", "value": "pt-BR"],
                        ]
                    ],
                    ["not": ["field": "data.churned", "op": "eq", "value": true]],
                    ["field": "data.seats", "op": "gt", "value": 10],
                ]
            ]
            let segment = try expect(
                try await engine.put("/v1/segments/engaged-paid", acme, ["name": "Engaged paid", "filter": filter]),
                [201])
            let expected = (1...600).filter { n in
                n % 3 != 0 && (n % 4 == 0 || n % 5 == 0) && n % 7 != 0 && n > 10
            }
            #expect(segment.json["users"] as? Int == expected.count)

            let created = try expect(
                try await engine.post(
                    "/v1/campaigns", acme,
                    [
                        "name": "Spring", "category": "welcome", "audience": ["segment": "engaged-paid"],
                        "data": ["name": "friend"],
                    ]), [201])
            let id = try #require(created.json["id"] as? String)
            #expect(created.headers["location"] == "/v1/campaigns/\(id)")
            let done = try await waitFor(engine, acme, id) { view in
                view["status"] as? String == "completed" && self.deliveries(view)["waiting"] == 0
            }
            #expect(done["planned"] as? Int == expected.count)
            #expect(done["released"] as? Int == expected.count)
            #expect(deliveries(done)["delivered"] == expected.count)
            #expect(
                try await engine.runtime.count("SELECT count(*)::int FROM notify.inbox_items WHERE tenant_id = 'acme'")
                    == expected.count)
            let reached = try await engine.runtime.rows(
                """
                SELECT u.external_id FROM notify.inbox_items i JOIN notify.users u ON u.id = i.user_id
                WHERE i.tenant_id = 'acme'
                """
            ).map { try $0.decode(String.self) }
            #expect(Set(reached) == Set(expected.map { "u-\($0)" }))
            let notification = try #require(done["notification_id"] as? String)
            let timeline = try await engine.get("/v1/notifications/\(notification)", acme).json
            #expect(engine.timelineKinds(timeline).contains("campaign_completed"))
            #expect(
                timeline["recipients"] as? Int == expected.count, "the notification counts the campaign's recipients")
        }
    }

    @Test func aPausedResumedAndCancelledCampaignAddsUpAndSendsNothingAfterTheCancel() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try await seedFans(engine, acme, count: 400)
            let created = try expect(
                try await engine.post(
                    "/v1/campaigns", acme,
                    [
                        "name": "Slow", "category": "welcome", "audience": ["topic": "fans"],
                        "data": ["name": "fan"], "rate_per_second": 40,
                    ]), [201])
            let id = try #require(created.json["id"] as? String)
            _ = try await waitFor(engine, acme, id) { ($0["released"] as? Int ?? 0) >= 40 }

            let paused = try expect(try await engine.post("/v1/campaigns/\(id)/pause", acme), [200]).json
            #expect(paused["status"] as? String == "paused")
            // A release already running when the pause came may still commit, and the batches in
            // flight finish (every released recipient is sent); after that nothing moves while paused.
            try await Task.sleep(for: .milliseconds(1500))
            let held = try await waitFor(engine, acme, id) { view in
                self.deliveries(view)["sent"] == view["released"] as? Int
            }
            try await Task.sleep(for: .milliseconds(2000))
            let stillHeld = try await campaign(engine, acme, id)
            #expect(held["released"] as? Int == stillHeld["released"] as? Int)
            #expect(deliveries(held)["sent"] == deliveries(stillHeld)["sent"])
            #expect((held["released"] as? Int ?? 0) < 400)

            let resumed = try expect(try await engine.post("/v1/campaigns/\(id)/resume", acme), [200]).json
            #expect(resumed["status"] as? String == "running")
            let before = held["released"] as? Int ?? 0
            _ = try await waitFor(engine, acme, id) { ($0["released"] as? Int ?? 0) >= before + 40 }

            let cancelled = try expect(try await engine.post("/v1/campaigns/\(id)/cancel", acme), [200]).json
            #expect(cancelled["status"] as? String == "cancelled")
            let final = try await waitFor(engine, acme, id) { self.deliveries($0)["waiting"] == 0 }
            let counts = deliveries(final)
            #expect(final["planned"] as? Int == 400)
            #expect(counts["total"] == 400)
            #expect((counts["sent"] ?? 0) + (counts["dropped"] ?? 0) == 400)
            #expect((counts["dropped"] ?? 0) > 0)
            // Everything released before the pause was sent while paused; what was released after
            // the resume and not yet filtered when the cancel came is dropped, not sent.
            #expect((counts["sent"] ?? 0) >= (held["released"] as? Int ?? 0))
            #expect((counts["sent"] ?? 0) <= (final["released"] as? Int ?? 0))
            let inbox = try await engine.runtime.count(
                "SELECT count(*)::int FROM notify.inbox_items WHERE tenant_id = 'acme'")
            #expect(inbox == counts["sent"])
            // Nothing more is sent once cancelled, and the state cannot change again.
            try await Task.sleep(for: .milliseconds(2000))
            #expect(
                try await engine.runtime.count("SELECT count(*)::int FROM notify.inbox_items WHERE tenant_id = 'acme'")
                    == inbox)
            let refused = try await engine.post("/v1/campaigns/\(id)/resume", acme)
            #expect(refused.status == 409)
            #expect(refused.json["code"] as? String == "campaign_finished")
            let dropReasons = try await engine.runtime.rows(
                """
                SELECT DISTINCT reason FROM notify.deliveries d JOIN notify.campaigns c ON c.notification_id = d.notification_id
                WHERE c.id = \(UUID(uuidString: id)!) AND d.status = 'dropped'
                """
            ).map { try $0.decode(String.self) }
            #expect(dropReasons == ["cancelled"])
        }
    }

    @Test func aCampaignKeepsToItsRate() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try await seedFans(engine, acme, count: 300)
            let start = ContinuousClock.now
            let created = try expect(
                try await engine.post(
                    "/v1/campaigns", acme,
                    [
                        "name": "Paced", "category": "welcome", "audience": ["topic": "fans"], "data": ["name": "x"],
                        "rate_per_second": 100,
                    ]), [201])
            let id = try #require(created.json["id"] as? String)
            _ = try await waitFor(engine, acme, id) { view in
                view["status"] as? String == "completed" && self.deliveries(view)["waiting"] == 0
            }
            // 300 recipients at 100/s: the first tick goes at once, the last about two seconds later.
            #expect(ContinuousClock.now - start >= .milliseconds(1700))
            let busiest = try await engine.runtime.count(
                """
                SELECT coalesce(max(n), 0)::int FROM (
                    SELECT count(*) OVER (ORDER BY created_at RANGE BETWEEN CURRENT ROW AND INTERVAL '1 second' FOLLOWING) AS n
                    FROM notify.inbox_items WHERE tenant_id = 'acme'
                ) AS windows
                """)
            #expect(busiest <= 150, "at most one second's worth plus one tick in any one-second window")
        }
    }

    @Test func aCampaignWaitsForItsStartTimeAndCanBeCancelledBeforeIt() async throws {
        try await Engine.with(leader: true) { engine in
            let acme = try await engine.tenant()
            try await seedFans(engine, acme, count: 30)
            // Far enough ahead that a slow machine is still before it a second after creating it.
            let later = ISO8601DateFormatter().string(from: Date().addingTimeInterval(5))
            let created = try expect(
                try await engine.post(
                    "/v1/campaigns", acme,
                    [
                        "name": "Later", "category": "welcome", "audience": ["topic": "fans"], "data": ["name": "x"],
                        "start_at": later,
                    ]
                ), [201])
            let id = try #require(created.json["id"] as? String)
            #expect(created.json["status"] as? String == "scheduled")
            try await Task.sleep(for: .milliseconds(1000))
            #expect(try await campaign(engine, acme, id)["released"] as? Int == 0)
            let done = try await waitFor(engine, acme, id) { view in
                view["status"] as? String == "completed" && self.deliveries(view)["waiting"] == 0
            }
            #expect(deliveries(done)["delivered"] == 30)

            // Far enough ahead that the cancel below comes before it on a slow machine.
            let secondStart = Date().addingTimeInterval(4)
            let second = try expect(
                try await engine.post(
                    "/v1/campaigns", acme,
                    [
                        "name": "Never", "category": "welcome", "audience": ["topic": "fans"], "data": ["name": "x"],
                        "start_at": ISO8601DateFormatter().string(from: secondStart),
                    ]), [201])
            let secondID = try #require(second.json["id"] as? String)
            _ = try expect(try await engine.post("/v1/campaigns/\(secondID)/cancel", acme), [200])
            // Cancelled before its start: it is never expanded, so nothing is planned or sent,
            // also after the start time has passed.
            let cancelled = try await waitFor(engine, acme, secondID, timeout: .seconds(20)) { view in
                view["expanded"] as? Bool == true
            }
            try await Task.sleep(for: .seconds(max(0, secondStart.timeIntervalSinceNow) + 1))
            let after = try await campaign(engine, acme, secondID)
            #expect(cancelled["status"] as? String == "cancelled")
            #expect(after["planned"] as? Int == 0)
            #expect(deliveries(after)["total"] == 0)
            #expect(
                try await engine.runtime.count("SELECT count(*)::int FROM notify.inbox_items WHERE tenant_id = 'acme'")
                    == 30)
        }
    }

    /// An unrated campaign's pacer releases only while the pipeline keeps up: the recipients it hands
    /// to `preference-filter` never exceed ``CampaignPacing/maximumBacklog`` waiting deliveries, so
    /// a large campaign's later stages are not queued behind all its filtering.
    @Test func aPacerReleasesOnlyWhatTheBacklogHasRoomFor() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try await seedFans(engine, acme, count: 12_000)
            let start = Date().addingTimeInterval(3600)
            let created = try expect(
                try await engine.post(
                    "/v1/campaigns", acme,
                    [
                        "name": "Big", "category": "welcome", "audience": ["topic": "fans"], "data": ["name": "x"],
                        "start_at": ISO8601DateFormatter().string(from: start),
                    ]), [201])
            let text = try #require(created.json["id"] as? String)
            let id = try #require(UUID(uuidString: text))
            let notificationID = try await engine.runtime.rows(
                "SELECT notification_id FROM notify.campaigns WHERE id = \(id)")[0].decode(UUID.self)

            let clock = ManualClock(start.addingTimeInterval(1))
            let context = FunctionContext(
                jobID: 1, attempt: 1, maxAttempts: 10, deadline: .now + .seconds(30), tenantID: acme.id,
                lane: .transactional, logger: engine.runtime.logger,
                database: FunctionDatabase(client: engine.runtime.client), clock: clock)
            let input = CampaignJobInput(tenantID: acme.id, campaignID: id, due: start)
            // Expand it here, committing each batch as the runtime would; the queued jobs wait an hour.
            var expanding = true
            while expanding {
                let output = try await CampaignExpandFunction().handle(input, context: context)
                try await engine.runtime.client.withTransaction(logger: engine.runtime.logger) { connection in
                    for write in output.runnableWrites {
                        try await connection.query(write, logger: engine.runtime.logger)
                    }
                }
                expanding = output.next.contains { $0.function == CampaignExpandFunction.name }
            }
            #expect(
                try await engine.runtime.count("SELECT planned::int FROM notify.campaigns WHERE id = \(id)") == 12_000)
            func tick() async throws -> (released: Int, next: [JobRequest]) {
                let output = try await CampaignReleaseFunction().handle(input, context: context)
                let batches = try output.next.filter { $0.function == "preference-filter" }.map {
                    try JSONDecoder().decode(DeliveryBatch.self, from: Data(try $0.payload.utf8))
                }
                return (batches.reduce(0) { $0 + $1.userIDs.count }, output.next)
            }
            /// Queues (not yet due) `preference-filter` jobs naming `users` of the campaign's deliveries.
            func queueWaiting(_ users: Int) async throws {
                try await engine.runtime.client.query(
                    """
                    INSERT INTO notify.jobs (queue, lane, run_at, payload, tenant_id)
                    SELECT 'preference-filter', 2, now() + interval '1 hour',
                           jsonb_build_object('tenant_id', 'acme', 'notification_id', \(notificationID)::text,
                                              'channel', 'inapp', 'user_ids', (SELECT jsonb_agg(g) FROM generate_series(1, 250) g)),
                           'acme'
                    FROM generate_series(1, \(users / 250))
                    """, logger: engine.runtime.logger)
            }

            #expect(try await tick().released == CampaignPacing.unlimitedTick, "an empty pipeline: a full tick")
            try await queueWaiting(CampaignPacing.maximumBacklog)
            let held = try await tick()
            #expect(held.released == 0, "a full backlog: nothing released")
            let recheck = try #require(held.next.first { $0.function == CampaignReleaseFunction.name }?.runAt)
            #expect(abs(recheck.timeIntervalSince(clock.now()) - CampaignPacing.backlogRecheck.inSeconds) < 0.01)
            try await engine.runtime.client.query(
                """
                DELETE FROM notify.jobs WHERE id IN (
                    SELECT id FROM notify.jobs WHERE queue = 'preference-filter' AND tenant_id = 'acme' LIMIT 12)
                """, logger: engine.runtime.logger)
            #expect(try await tick().released == 3_000, "room for 12 batches of 250")
            #expect(
                try await engine.runtime.count(
                    "SELECT released::int FROM notify.campaigns WHERE id = \(id)") == 0,
                "the ticks above were not committed")
        }
    }

    @Test func badCampaignsAndSegmentsAreRefusedWithStableCodesAndTenantsStayApart() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try await seedFans(engine, acme, count: 3)
            let cases: [([String: Any], Int, String)] = [
                (["name": "x", "category": "welcome", "audience": ["topic": "nope"]], 422, "unknown_topic"),
                (["name": "x", "category": "welcome", "audience": ["segment": "nope"]], 422, "unknown_segment"),
                (["name": "x", "category": "nope", "audience": ["topic": "fans"]], 422, "unknown_category"),
                (
                    ["name": "x", "category": "welcome", "audience": ["topic": "fans", "segment": "s"]], 400,
                    "invalid_audience"
                ),
                (
                    ["name": "x", "category": "welcome", "audience": ["topic": "fans"], "rate_per_second": 0], 400,
                    "invalid_rate"
                ),
                (["name": "", "category": "welcome", "audience": ["topic": "fans"]], 400, "invalid_name"),
                (
                    ["name": "x", "category": "welcome", "audience": ["topic": "fans"], "channels": ["sms"]], 422,
                    "no_deliverable_channel"
                ),
                (
                    ["name": "x", "category": "welcome", "audience": ["topic": "fans"], "speed": 3], 400,
                    "unknown_field"
                ),
            ]
            for (body, status, code) in cases {
                let reply = try await engine.post("/v1/campaigns", acme, body)
                #expect(reply.status == status, "\(body)")
                #expect(reply.json["code"] as? String == code, "\(body): \(reply.text)")
            }
            for limit in ["0", "501", "ten"] {
                let reply = try await engine.get("/v1/campaigns?limit=\(limit)", acme)
                #expect(reply.status == 400 && reply.json["code"] as? String == "invalid_limit", "limit=\(limit)")
            }
            let badFilter = try await engine.put(
                "/v1/segments/bad", acme,
                [
                    "filter": [
                        "all": [
                            ["field": "data.plan", "op": "eq", "value": "pro"],
                            ["field": "password", "op": "eq", "value": "x"],
                        ]
                    ]
                ])
            #expect(badFilter.status == 422)
            #expect(badFilter.json["code"] as? String == "invalid_segment_filter")
            #expect((badFilter.json["detail"] as? String)?.contains("filter.all[1].field") == true)

            try expect(
                try await engine.put(
                    "/v1/segments/mine", acme, ["filter": ["field": "data.n", "op": "gte", "value": 2]]), [201])
            let created = try expect(
                try await engine.post(
                    "/v1/campaigns", acme,
                    ["name": "Mine", "category": "welcome", "audience": ["segment": "mine"], "data": ["name": "x"]]),
                [201])
            let id = try #require(created.json["id"] as? String)
            let globex = try await engine.tenant("globex")
            #expect(try await engine.get("/v1/campaigns/\(id)", globex).status == 404)
            #expect(try await engine.post("/v1/campaigns/\(id)/cancel", globex).status == 404)
            #expect(try await engine.get("/v1/segments/mine", globex).status == 404)
            let globexList = try await engine.get("/v1/campaigns", globex).json["campaigns"] as? [Any]
            #expect(globexList?.isEmpty == true)
            let acmeList = try await engine.get("/v1/campaigns", acme).json["campaigns"] as? [[String: Any]] ?? []
            #expect(acmeList.count == 1)
            #expect(acmeList.first?["deliveries"] == nil, "a list does not count deliveries, so it shows none")
            let done = try await waitFor(engine, acme, id) { view in
                view["status"] as? String == "completed" && self.deliveries(view)["waiting"] == 0
            }
            #expect(done["planned"] as? Int == 2)
        }
    }
}
