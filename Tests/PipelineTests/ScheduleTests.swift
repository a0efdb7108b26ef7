import Foundation
import Logging
import NotifyAPI
import NotifyFunctionKit
import NotifyTestSupport
import PostgresNIO
import ScheduleTickFunction
import Testing

/// Recurring schedules: the `/v1/schedules` API (errors, tenant isolation, pause and resume) and
/// their release by `schedule-tick` with an injected clock (missed-occurrence policies, recipient
/// zones, one notification per occurrence).
@Suite(.serialized) struct ScheduleTests {
    static func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    static var daily: [String: Any] {
        [
            "id": "daily", "cron": "0 9 * * *", "timezone": "Asia/Kolkata",
            "notification": ["category": "welcome", "to": ["user": "ada"], "data": ["name": "Daily"]],
        ]
    }

    static func with(_ base: [String: Any], _ changes: [String: Any]) -> [String: Any] {
        base.merging(changes) { _, new in new }
    }

    /// Each bad field with the status, code and a piece of the sentence that says what to fix.
    static var badCases: [([String: Any], Int, String, String)] {
        [
            (["cron": "61 * * * *"], 422, "cron_value_out_of_range", "minute field"),
            (["cron": "* * *"], 422, "cron_field_count", "5 fields"),
            (["cron": "0 9 * FOO *"], 422, "cron_invalid_field", "month field"),
            (["cron": "*/0 * * * *"], 422, "cron_invalid_step", "minute field"),
            (["cron": "@sometimes"], 422, "cron_unknown_macro", "@daily"),
            (["cron": "0 0 30 2 *"], 422, "cron_never_fires", "never fires"),
            (["timezone": "Mars/Olympus"], 422, "unknown_timezone", "IANA"),
            (["missed_policy": "sometimes"], 400, "invalid_missed_policy", "run_once"),
            (["id": "Bad Id!"], 400, "invalid_schedule_id", "lowercase"),
            (
                ["notification": ["category": "nope", "to": ["user": "ada"]]], 422, "unknown_category",
                "PUT /v1/categories"
            ),
            (
                ["notification": ["category": "welcome", "to": ["user": "nobody"]]], 422, "unknown_user",
                "PUT /v1/users"
            ),
            (
                ["notification": ["category": "welcome", "to": ["user": "ada"], "send_at": "2030-01-01T00:00:00Z"]],
                400,
                "invalid_schedule_notification", "remove"
            ),
            (["every": "day"], 400, "unknown_field", "allowed"),
        ]
    }

    @Test func badSchedulesAreRefusedWithAStableCodeAndWhatToFix() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            for (change, status, code, hint) in Self.badCases {
                let reply = try await engine.post("/v1/schedules", acme, Self.with(Self.daily, change))
                #expect(reply.status == status, "\(code): \(reply.text)")
                #expect(reply.json["code"] as? String == code)
                #expect((reply.json["detail"] as? String)?.contains(hint) == true, "\(reply.text)")
                #expect(reply.headers["content-type"] == "application/problem+json")
            }
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.schedules") == 0)
        }
    }

    @Test func missingFieldsAndDuplicatesAreRefused() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let missing = try await engine.post("/v1/schedules", acme, ["cron": "@daily"])
            #expect(missing.status == 400)
            #expect(missing.json["code"] as? String == "missing_field")
            #expect((missing.json["detail"] as? String)?.contains("\"timezone\", \"notification\"") == true)
            try expect(try await engine.post("/v1/schedules", acme, Self.daily), [201])
            let again = try await engine.post("/v1/schedules", acme, Self.daily)
            #expect(again.status == 409)
            #expect(again.json["code"] as? String == "schedule_exists")
        }
    }

    @Test func aTenantNeverSeesOrChangesAnotherTenantsSchedules() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant("acme")
            let globex = try await engine.tenant("globex")
            try expect(try await engine.post("/v1/schedules", acme, Self.daily), [201])
            #expect((try await engine.get("/v1/schedules", globex).json["schedules"] as? [Any])?.isEmpty == true)
            for reply in [
                try await engine.get("/v1/schedules/daily", globex),
                try await engine.send(.PATCH, "/v1/schedules/daily", globex, ["paused": true]),
                try await engine.delete("/v1/schedules/daily", globex),
            ] {
                #expect(reply.status == 404)
                #expect(reply.json["code"] as? String == "schedule_not_found")
            }
            // The same id in another tenant is another schedule.
            try expect(
                try await engine.post("/v1/schedules", globex, Self.with(Self.daily, ["cron": "@hourly"])), [201])
            let mine = try await engine.get("/v1/schedules/daily", acme).json
            #expect(mine["cron"] as? String == "0 9 * * *")
            #expect(mine["paused"] as? Bool == false)
            #expect((try await engine.get("/v1/schedules", acme).json["schedules"] as? [Any])?.count == 1)
            #expect(try await engine.get("/v1/schedules", nil).status == 401)
        }
    }

    @Test func theOperatorControlListsPausesAndResumesWithinItsTenant() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            _ = try await engine.tenant("globex")
            try expect(try await engine.post("/v1/schedules", acme, Self.daily), [201])
            let control = ScheduleControl(client: engine.runtime.client, logger: engine.runtime.logger)

            let listed = try await control.list(tenantID: "acme")
            #expect(listed.map(\.id) == ["daily"])
            #expect(listed.first?.paused == false)
            #expect(listed.first?.timezone == "Asia/Kolkata")
            #expect(try await control.list(tenantID: "globex").isEmpty)

            // Another tenant, or an unknown id: nothing found, nothing changed.
            #expect(try await control.setPaused(true, tenantID: "globex", id: "daily") == nil)
            #expect(try await control.setPaused(true, tenantID: "acme", id: "nightly") == nil)
            #expect(try await engine.get("/v1/schedules/daily", acme).json["paused"] as? Bool == false)

            let paused = try await control.setPaused(true, tenantID: "acme", id: "daily")
            #expect(paused?.paused == true)
            #expect(try await engine.get("/v1/schedules/daily", acme).json["paused"] as? Bool == true)

            // A resume moves the next release to the first 09:00 Kolkata after now.
            try await engine.runtime.client.query(
                "UPDATE notify.schedules SET next_run_at = now() - interval '3 days' WHERE id = 'daily'",
                logger: engine.runtime.logger)
            let resumed = try #require(try await control.setPaused(false, tenantID: "acme", id: "daily"))
            #expect(resumed.paused == false)
            let next = try #require(resumed.nextReleaseAt)
            #expect(next > Date() && next <= Date().addingTimeInterval(86_400))
            var kolkata = Calendar(identifier: .gregorian)
            kolkata.timeZone = TimeZone(identifier: "Asia/Kolkata")!
            #expect(kolkata.component(.hour, from: next) == 9 && kolkata.component(.minute, from: next) == 0)
        }
    }

    @Test func getShowsNextOccurrencesAndPatchPausesResumesAndRetimes() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let created = try expect(try await engine.post("/v1/schedules", acme, Self.daily), [201]).json
            let keys = created["next_occurrences"] as? [String] ?? []
            #expect(keys.count == 5)
            #expect(keys.allSatisfy { $0.hasSuffix("T03:30:00Z") })  // 09:00 in Kolkata, +05:30
            #expect(created["notification"] as? [String: Any] != nil)
            #expect((created["notification"] as? [String: Any])?["to"] as? [String: [String]] == ["users": ["ada"]])

            let local = try expect(
                try await engine.post(
                    "/v1/schedules", acme,
                    Self.with(Self.daily, ["id": "local", "timezone": "recipient", "cron": "30 8 * * MON"])), [201]
            ).json
            let wall = local["next_occurrences"] as? [String] ?? []
            #expect(wall.count == 5 && wall.allSatisfy { $0.hasSuffix("T08:30:00") && !$0.hasSuffix("Z") })

            let paused = try expect(
                try await engine.send(.PATCH, "/v1/schedules/daily", acme, ["paused": true]), [200]
            ).json
            #expect(paused["paused"] as? Bool == true)
            #expect(paused["next_occurrences"] == nil)
            // While paused, its release time moves into the past; resuming starts from now.
            try await engine.runtime.client.query(
                "UPDATE notify.schedules SET next_run_at = now() - interval '3 days' WHERE id = 'daily'",
                logger: engine.runtime.logger)
            let resumed = try expect(
                try await engine.send(.PATCH, "/v1/schedules/daily", acme, ["paused": false]), [200]
            ).json
            let release = try #require(resumed["next_release_at"] as? String)
            #expect(ISO8601DateFormatter().date(from: String(release.prefix(19)) + "Z")! > Date())

            let retimed = try expect(
                try await engine.send(
                    .PATCH, "/v1/schedules/daily", acme,
                    ["cron": "*/15 * * * * *", "timezone": "UTC", "missed_policy": "skip"]), [200]
            ).json
            #expect(retimed["missed_policy"] as? String == "skip")
            #expect((retimed["next_occurrences"] as? [String])?.count == 5)
            let badPatch = try await engine.send(.PATCH, "/v1/schedules/daily", acme, ["cron": "0 25 * * *"])
            #expect(badPatch.status == 422)
            #expect(badPatch.json["code"] as? String == "cron_value_out_of_range")
            let idInPatch = try await engine.send(.PATCH, "/v1/schedules/daily", acme, ["id": "other"])
            #expect(idInPatch.status == 400)

            #expect(try await engine.delete("/v1/schedules/daily", acme).status == 204)
            #expect(try await engine.get("/v1/schedules/daily", acme).status == 404)
            #expect(try await engine.delete("/v1/schedules/daily", acme).status == 404)
        }
    }

    /// Runs one tick of `schedule-tick` at `now` and commits its writes, as the leader does.
    static func tick(_ engine: Engine, at now: Date) async throws {
        let runtime = engine.runtime
        let context = FunctionContext(
            jobID: 0, attempt: 1, maxAttempts: 1, deadline: .now + .seconds(20), tenantID: nil, lane: .critical,
            logger: runtime.logger, database: FunctionDatabase(client: runtime.client), clock: ManualClock(now))
        let output = try await ScheduleTickFunction().handle(.init(), context: context)
        try await runtime.client.withTransaction(logger: runtime.logger) { connection in
            for write in output.runnableWrites { try await connection.query(write, logger: runtime.logger) }
        }
    }

    /// The idempotency keys of the notifications a schedule released, in order.
    static func released(_ engine: Engine, _ id: String) async throws -> [String] {
        try await engine.runtime.rows(
            """
            SELECT idempotency_key FROM notify.notifications WHERE idempotency_key LIKE \("schedule:\(id):%")
            ORDER BY idempotency_key
            """
        ).map { try $0.decode(String.self) }
    }

    @Test(arguments: [("run_once", true), ("skip", false)])
    func theTickReleasesEachOccurrenceOnceAndFollowsTheMissedPolicy(
        policy: String, sendsOneForMissed: Bool
    )
        async throws
    {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try expect(
                try await engine.post(
                    "/v1/schedules", acme,
                    Self.with(
                        Self.daily, ["id": "ten", "cron": "*/10 * * * *", "timezone": "UTC", "missed_policy": policy])),
                [201])
            try await engine.runtime.client.query(
                "UPDATE notify.schedules SET next_run_at = '2030-01-01T00:00:00Z'", logger: engine.runtime.logger)
            // Not due yet.
            try await Self.tick(engine, at: Self.at("2029-12-31T23:59:59Z"))
            #expect(try await Self.released(engine, "ten").isEmpty)
            // On time, then the same tick again: released once.
            try await Self.tick(engine, at: Self.at("2030-01-01T00:00:05Z"))
            try await Self.tick(engine, at: Self.at("2030-01-01T00:00:05Z"))
            #expect(try await Self.released(engine, "ten") == ["schedule:ten:2030-01-01T00:00:00Z"])
            // An outage: 00:10 and 00:20 are over five minutes late (missed), 00:30 is late by one.
            try await Self.tick(engine, at: Self.at("2030-01-01T00:31:00Z"))
            var expected = ["schedule:ten:2030-01-01T00:00:00Z", "schedule:ten:2030-01-01T00:30:00Z"]
            if sendsOneForMissed { expected.insert("schedule:ten:2030-01-01T00:10:00Z", at: 1) }
            #expect(try await Self.released(engine, "ten") == expected)
            let next = try await engine.runtime.rows("SELECT next_run_at FROM notify.schedules")[0].decode(Date.self)
            #expect(next == Self.at("2030-01-01T00:40:00Z"))
            // A second leader releasing an occurrence again gets the first notification back.
            try await engine.runtime.client.query(
                "UPDATE notify.schedules SET next_run_at = '2030-01-01T00:30:00Z'", logger: engine.runtime.logger)
            try await Self.tick(engine, at: Self.at("2030-01-01T00:31:00Z"))
            #expect(try await Self.released(engine, "ten") == expected)
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.notifications") == expected.count)
            // Paused: nothing is released.
            try expect(try await engine.send(.PATCH, "/v1/schedules/ten", acme, ["paused": true]), [200])
            try await Self.tick(engine, at: Self.at("2030-01-01T01:00:00Z"))
            #expect(try await Self.released(engine, "ten") == expected)
        }
    }

    @Test func aRecipientZoneScheduleReleasesLocalTimeSends() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try expect(
                try await engine.post(
                    "/v1/schedules", acme, Self.with(Self.daily, ["id": "morning", "timezone": "recipient"])), [201])
            // 09:00 on 2030-01-02 is first reached at UTC+14: 2030-01-01T19:00Z.
            try await engine.runtime.client.query(
                "UPDATE notify.schedules SET next_run_at = '2030-01-01T19:00:00Z'", logger: engine.runtime.logger)
            try await Self.tick(engine, at: Self.at("2030-01-01T19:00:01Z"))
            #expect(try await Self.released(engine, "morning") == ["schedule:morning:2030-01-02T09:00:00"])
            let local = try await engine.runtime.rows(
                "SELECT to_char(send_at_local, 'YYYY-MM-DD HH24:MI'), status FROM notify.notifications")[0].decode(
                    (String, String).self)
            #expect(local.0 == "2030-01-02 09:00")
            #expect(local.1 == "scheduled")
            let next = try await engine.runtime.rows("SELECT next_run_at FROM notify.schedules")[0].decode(Date.self)
            #expect(next == Self.at("2030-01-02T19:00:00Z"))
            let view = try await engine.get("/v1/schedules/morning", acme).json
            #expect(view["last_occurrence"] as? String == "2030-01-02T09:00:00")
            #expect(view["released_count"] as? Int == 1)
        }
    }

    @Test func aScheduleWhoseSendFailsIsPausedWithTheErrorAndTheTickGoesOn() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            for id in ["bad", "good"] {
                try expect(
                    try await engine.post(
                        "/v1/schedules", acme, Self.with(Self.daily, ["id": id, "cron": "@hourly", "timezone": "UTC"])),
                    [201])
            }
            // A row edited by hand past the API's checks: notify.send refuses the priority.
            try await engine.runtime.client.query(
                """
                UPDATE notify.schedules SET next_run_at = '2030-01-01T00:00:00Z',
                    notification = CASE WHEN id = 'bad' THEN notification || '{"priority": "urgent"}' ELSE notification END
                """, logger: engine.runtime.logger)
            try await Self.tick(engine, at: Self.at("2030-01-01T00:00:01Z"))
            #expect(try await Self.released(engine, "good") == ["schedule:good:2030-01-01T00:00:00Z"])
            #expect(try await Self.released(engine, "bad").isEmpty)
            let bad = try await engine.get("/v1/schedules/bad", acme).json
            #expect(bad["paused"] as? Bool == true)
            #expect((bad["last_error"] as? String)?.contains("urgent") == true)
            #expect(bad["released_count"] as? Int == 0)
            // The next tick releases the good one's next occurrence and leaves the bad one alone.
            try await Self.tick(engine, at: Self.at("2030-01-01T01:00:01Z"))
            #expect(try await Self.released(engine, "good").count == 2)
            #expect(try await Self.released(engine, "bad").isEmpty)
        }
    }

    @Test func aScheduleShowsItsLatestNotificationSoARefusalIsSeenWhileItGoesOn() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try expect(
                try await engine.post(
                    "/v1/schedules", acme,
                    Self.with(
                        Self.daily,
                        [
                            "id": "hourly", "cron": "@hourly", "timezone": "UTC",
                            // The tenant has no SMS template or route: the pipeline refuses each send.
                            "notification": [
                                "category": "welcome", "to": ["user": "ada"], "channels": ["sms"],
                                "data": ["name": "Hourly"],
                            ],
                        ])),
                [201])
            #expect(try await engine.get("/v1/schedules/hourly", acme).json["last_notification"] == nil)
            try await engine.runtime.client.query(
                "UPDATE notify.schedules SET next_run_at = '2030-01-01T00:00:00Z'", logger: engine.runtime.logger)
            try await Self.tick(engine, at: Self.at("2030-01-01T00:00:01Z"))
            let id = try await engine.runtime.rows(
                "SELECT id FROM notify.notifications WHERE idempotency_key = 'schedule:hourly:2030-01-01T00:00:00Z'"
            )[0].decode(UUID.self).uuidString.lowercased()
            let settled = try await engine.settled(acme, id)
            #expect(settled["status"] as? String == "refused")
            let view = try await engine.get("/v1/schedules/hourly", acme).json
            let latest = try #require(view["last_notification"] as? [String: Any])
            #expect(latest["id"] as? String == id)
            #expect(latest["status"] as? String == "refused")
            #expect(latest["refusal"] != nil)
            // Refused by the pipeline, not by notify.send: the schedule goes on.
            #expect(view["paused"] as? Bool == false)
            #expect(view["last_error"] == nil)
            // Another tenant's schedule list never shows it.
            let other = try await engine.tenant("globex")
            #expect(try await engine.get("/v1/schedules/hourly", other).status == 404)
        }
    }
}
