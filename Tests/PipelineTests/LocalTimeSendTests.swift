import Foundation
import NotifyAPI
import NotifyFunctionKit
import NotifyModel
import NotifyTestSupport
import PostgresNIO
import Testing

/// Local-time sends (`send_at_local`): each recipient at the wall-clock time of their own zone,
/// across DST changes and half-hour offsets; reschedule until released, cancel while waiting.
@Suite(.serialized) struct LocalTimeSendTests {
    static func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    /// Users in seven zones (one with none) for a tenant seeded by ``Engine/tenant(_:seed:)``.
    static let zones: [(user: String, zone: String?)] = [
        ("kolkata", "Asia/Kolkata"), ("adelaide", "Australia/Adelaide"), ("kathmandu", "Asia/Kathmandu"),
        ("berlin", "Europe/Berlin"), ("london", "Europe/London"), ("newyork", "America/New_York"), ("nozone", nil),
    ]

    static func addUsers(_ engine: Engine, _ tenant: Engine.Tenant) async throws {
        for (user, zone) in zones {
            var body: [String: Any] = ["locale": "en"]
            if let zone { body["timezone"] = zone }
            try expect(try await engine.put("/v1/users/\(user)", tenant, body), [201])
        }
    }

    /// Each delivery's `scheduled` event: user → (release_at, timezone).
    static func releases(_ view: [String: Any]) -> [String: (at: String, zone: String)] {
        var result: [String: (String, String)] = [:]
        for event in view["timeline"] as? [[String: Any]] ?? [] where event["kind"] as? String == "scheduled" {
            guard let user = event["user"] as? String, let detail = event["detail"] as? [String: Any] else { continue }
            result[user] = (detail["release_at"] as? String ?? "", detail["timezone"] as? String ?? "")
        }
        return result
    }

    static func poll(_ timeout: Duration = .seconds(20), _ check: @Sendable () async throws -> Bool) async throws {
        #expect(await eventually(timeout: timeout, every: .milliseconds(100)) { (try? await check()) ?? false })
    }

    @Test func eachRecipientIsReleasedAtTheWallClockTimeOfTheirOwnZoneAcrossDSTAndHalfHourOffsets() async throws {
        // The functions see 2026-03-28T00:00Z, before every release below: validate plans each
        // recipient's instant from that clock (the database, a year later, then runs them at once).
        let clock = ManualClock(Self.at("2026-03-28T00:00:00Z"))
        try await Engine.with(clock: clock, leader: true) { engine in
            let acme = try await engine.tenant()
            try await Self.addUsers(engine, acme)
            let users = Self.zones.map(\.user)
            // 02:30 on 2026-03-29 does not exist in Berlin (02:00 → 03:00 CEST): released at the jump.
            let spring = try await engine.notify(
                acme,
                [
                    "category": "welcome", "to": ["users": users], "data": ["name": "Spring"],
                    "send_at_local": "2026-03-29T02:30",
                ])
            try await Self.poll {
                Self.releases(try await engine.get("/v1/notifications/\(spring)", acme).json).count == users.count
            }
            let view = try await engine.get("/v1/notifications/\(spring)", acme).json
            #expect(view["send_at_local"] as? String == "2026-03-29T02:30:00")
            let releases = Self.releases(view)
            let expected: [String: String] = [
                "kolkata": "2026-03-28T21:00:00Z",  // +05:30
                "adelaide": "2026-03-28T16:00:00Z",  // ACDT +10:30
                "kathmandu": "2026-03-28T20:45:00Z",  // +05:45
                "berlin": "2026-03-29T01:00:00Z",  // in the gap: 03:00 CEST
                "london": "2026-03-29T01:30:00Z",  // 02:30 BST exists (London's gap is 01:00-02:00)
                "newyork": "2026-03-29T06:30:00Z",  // EDT since March 8
                "nozone": "2026-03-29T02:30:00Z",  // no zone: UTC
            ]
            for (user, at) in expected {
                #expect(releases[user]?.at == at, "\(user)")
            }
            #expect(releases["kolkata"]?.zone == "Asia/Kolkata")
            #expect(releases["nozone"]?.zone == "UTC", "the tenant default, as stored")
            // Released instants are past for the database's clock: every recipient gets it now.
            for user in users {
                try await Self.poll { try await engine.inbox(acme, user: user).count == 1 }
            }

            // 02:30 on 2026-10-25 happens twice in Berlin and London: the first occurrence (summer time).
            clock.set(Self.at("2026-10-24T00:00:00Z"))
            let autumn = try await engine.notify(
                acme,
                [
                    "category": "welcome", "to": ["users": ["berlin", "london", "adelaide"]],
                    "data": ["name": "Autumn"], "send_at_local": "2026-10-25T02:30:00",
                ])
            try await Self.poll {
                Self.releases(try await engine.get("/v1/notifications/\(autumn)", acme).json).count == 3
            }
            let fall = Self.releases(try await engine.get("/v1/notifications/\(autumn)", acme).json)
            #expect(fall["berlin"]?.at == "2026-10-25T00:30:00Z")  // 02:30 CEST, not 02:30 CET
            #expect(fall["london"]?.at == "2026-10-25T02:30:00Z")  // London repeats 01:00-02:00; 02:30 is once, GMT
            #expect(fall["adelaide"]?.at == "2026-10-24T16:00:00Z")  // ACDT since October 4
        }
    }

    @Test func usersWithoutAZoneTakeTheTenantsDefaultForLocalTimeAndQuietHours() async throws {
        let clock = ManualClock(Self.at("2026-03-28T00:00:00Z"))
        try await Engine.with(clock: clock, leader: true) { engine in
            let acme = try await engine.tenant()
            let admin = TenantAdmin(client: engine.runtime.client, logger: engine.runtime.logger)
            #expect(try await admin.defaultTimeZone(of: acme.id) == "UTC")
            do {
                try await admin.setDefaultTimeZone(tenantID: acme.id, "Mars/Olympus_Mons")
                Issue.record("an unknown zone was accepted")
            } catch let error as ModelError {
                #expect(error.code == "unknown_timezone")
                #expect(error.message.contains("Europe/Berlin"))
            }
            do {
                try await admin.setDefaultTimeZone(tenantID: "nobody", "Asia/Kolkata")
                Issue.record("an unknown tenant was accepted")
            } catch let error as ModelError {
                #expect(error.code == "unknown_tenant")
            }
            try await admin.setDefaultTimeZone(tenantID: acme.id, "Asia/Kolkata")
            #expect(try await admin.defaultTimeZone(of: acme.id) == "Asia/Kolkata")
            try await Self.addUsers(engine, acme)

            let send = try await engine.notify(
                acme,
                [
                    "category": "welcome", "to": ["users": ["nozone", "berlin"]], "data": ["name": "Local"],
                    "send_at_local": "2026-03-29T09:00",
                ])
            try await Self.poll {
                Self.releases(try await engine.get("/v1/notifications/\(send)", acme).json).count == 2
            }
            let releases = Self.releases(try await engine.get("/v1/notifications/\(send)", acme).json)
            #expect(releases["nozone"]?.at == "2026-03-29T03:30:00Z")  // 09:00 in Kolkata (+05:30)
            #expect(releases["nozone"]?.zone == "Asia/Kolkata")
            #expect(releases["berlin"]?.at == "2026-03-29T07:00:00Z")  // the user's own zone wins (CEST)

            // Quiet hours without a zone, for a user without one: the tenant's zone, not an error.
            let saved = try await engine.put(
                "/v1/users/nozone/preferences", acme, ["quiet_hours": ["start": "22:00", "end": "07:00"]])
            try expect(saved, [200])
            let quiet = saved.json["quiet_hours"] as? [String: Any]
            #expect(quiet?["timezone"] as? String == "Asia/Kolkata")
        }
    }

    @Test func aWaitingLocalTimeSendCanBeRescheduledUntilReleasedAndCancelDropsWhatStillWaits() async throws {
        try await Engine.with(leader: true) { engine in
            let acme = try await engine.tenant()
            try await Self.addUsers(engine, acme)
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd'T'HH:mm"
            let users = ["kolkata", "berlin", "newyork"]
            // Three days ahead: no zone on Earth is there yet, so nothing is released.
            let id = try await engine.notify(
                acme,
                [
                    "category": "welcome", "to": ["users": users], "data": ["name": "Later"],
                    "send_at_local": formatter.string(from: Date().addingTimeInterval(3 * 86_400)),
                ])
            #expect(try await engine.get("/v1/notifications/\(id)", acme).json["status"] as? String == "scheduled")
            let waitingValidate: PostgresQuery =
                "SELECT count(*)::int FROM notify.scheduled_jobs WHERE queue = 'validate' AND run_at > now() + interval '2 days'"
            #expect(try await engine.runtime.count(waitingValidate) == 1)

            // Refusals: both times, a malformed local time, no time at all.
            let both = try await engine.send(
                .PATCH, "/v1/notifications/\(id)", acme,
                ["send_at": "2027-01-01T00:00:00Z", "send_at_local": "2027-01-01T09:00"])
            #expect(both.status == 422)
            #expect(both.json["code"] as? String == "conflicting_send_times")
            let malformed = try await engine.send(
                .PATCH, "/v1/notifications/\(id)", acme, ["send_at_local": "2027-01-01T09:00+01:00"])
            #expect(malformed.status == 400)
            #expect(malformed.json["code"] as? String == "invalid_send_at_local")
            let empty = try await engine.send(.PATCH, "/v1/notifications/\(id)", acme, [String: Any]())
            #expect(empty.status == 400)
            #expect(empty.json["code"] as? String == "missing_send_time")

            // Reschedule to two hours from now (UTC wall clock): Kolkata (+05:30) is past it and gets
            // it at once; Berlin (+1 h later) and New York (+5 h later) wait.
            let soon = formatter.string(from: Date().addingTimeInterval(2 * 3600))
            let moved = try await engine.send(.PATCH, "/v1/notifications/\(id)", acme, ["send_at_local": soon])
            try expect(moved, [200])
            #expect(moved.json["send_at_local"] as? String == soon + ":00")
            #expect(engine.timelineKinds(moved.json).contains("rescheduled"))
            try await Self.poll { try await engine.inbox(acme, user: "kolkata").count == 1 }
            try await Self.poll {
                try await engine.runtime.count(
                    "SELECT count(*)::int FROM notify.scheduled_jobs WHERE queue = 'preference-filter'") == 2
            }
            #expect(try await engine.inbox(acme, user: "berlin").isEmpty)
            let view = try await engine.get("/v1/notifications/\(id)", acme).json
            #expect((view["channels"] as? [String: [String: Int]])?["inapp"] == ["delivered": 1, "pending": 2])

            // Released (expansion began): no more rescheduling.
            let late = try await engine.send(
                .PATCH, "/v1/notifications/\(id)", acme, ["send_at_local": "2030-01-01T09:00"])
            #expect(late.status == 409)
            #expect(late.json["code"] as? String == "already_released")

            // Cancel drops the two waiting deliveries at once, with reason and event.
            let cancel = try expect(try await engine.post("/v1/notifications/\(id)/cancel", acme), [200])
            #expect(cancel.json["dropped"] as? Int == 2)
            let after = try await engine.get("/v1/notifications/\(id)", acme).json
            #expect(after["status"] as? String == "cancelled")
            #expect((after["channels"] as? [String: [String: Int]])?["inapp"] == ["delivered": 1, "dropped": 2])
            let dropped = (after["timeline"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "dropped" }
            #expect(Set(dropped.compactMap { $0["user"] as? String }) == ["berlin", "newyork"])
            #expect(dropped.allSatisfy { ($0["detail"] as? [String: Any])?["reason"] as? String == "cancelled" })
            #expect(
                try await engine.runtime.count(
                    "SELECT count(*)::int FROM notify.scheduled_jobs WHERE queue = 'preference-filter'") == 0)
        }
    }

    @Test func theAPIAndTheSQLProducerRefuseBothTimesAndAcceptALocalTime() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let both = try await engine.post(
                "/v1/notifications", acme,
                [
                    "category": "welcome", "to": ["user": "ada"], "send_at": "2027-01-01T00:00:00Z",
                    "send_at_local": "2027-01-01T09:00",
                ])
            #expect(both.status == 422)
            #expect(both.json["code"] as? String == "conflicting_send_times")
            #expect(both.headers["content-type"] == "application/problem+json")
            let bad = try await engine.post(
                "/v1/notifications", acme,
                ["category": "welcome", "to": ["user": "ada"], "send_at_local": "2027-02-30T09:00"])
            #expect(bad.status == 400)
            #expect(bad.json["code"] as? String == "invalid_send_at_local")

            await #expect(throws: PSQLError.self) {
                try await engine.runtime.rows(
                    """
                    SELECT notify.send('acme', 'welcome', ARRAY['ada'], p_send_at => now(),
                                       p_send_at_local => '2027-01-01 09:00')::text
                    """)
            }
            let rows = try await engine.runtime.rows(
                """
                SELECT notify.send('acme', 'welcome', ARRAY['ada'], '{"name":"Local"}'::jsonb,
                                   p_send_at_local => '2030-01-01 09:00')::text
                """)
            let id = try rows[0].decode(String.self)
            let view = try await engine.get("/v1/notifications/\(id)", acme).json
            #expect(view["status"] as? String == "scheduled")
            #expect(view["send_at_local"] as? String == "2030-01-01T09:00:00")
            // The validate job waits for 09:00 at UTC+14: 2029-12-31T19:00Z.
            let runAt = try await engine.runtime.rows(
                "SELECT run_at FROM notify.scheduled_jobs WHERE queue = 'validate'")[0].decode(Date.self)
            #expect(runAt == Self.at("2029-12-31T19:00:00Z"))
        }
    }

    @Test func aScheduledSendCanMoveToAnotherInstantOrToALocalTimeUntilReleased() async throws {
        try await Engine.with(leader: true) { engine in
            let acme = try await engine.tenant()
            let id = try await engine.notify(
                acme,
                [
                    "category": "welcome", "to": ["user": "ada"], "data": ["name": "Moved"],
                    "send_at": Date().addingTimeInterval(3600).formatted(.iso8601),
                ])
            let validateRunAt: PostgresQuery = "SELECT run_at FROM notify.scheduled_jobs WHERE queue = 'validate'"
            let later = try expect(
                try await engine.send(
                    .PATCH, "/v1/notifications/\(id)", acme, ["send_at": "2031-06-01T12:00:00Z"]), [200]
            ).json
            #expect(later["send_at"] as? String == "2031-06-01T12:00:00.000Z")
            #expect(
                try await engine.runtime.rows(validateRunAt)[0].decode(Date.self) == Self.at("2031-06-01T12:00:00Z"))
            // To a local time: the job waits for that wall time at UTC+14; send_at is cleared.
            let local = try expect(
                try await engine.send(
                    .PATCH, "/v1/notifications/\(id)", acme, ["send_at_local": "2031-06-01T09:00"]), [200]
            ).json
            #expect(local["send_at"] == nil)
            #expect(local["send_at_local"] as? String == "2031-06-01T09:00:00")
            #expect(
                try await engine.runtime.rows(validateRunAt)[0].decode(Date.self) == Self.at("2031-05-31T19:00:00Z"))
            // Now: released within a tick, delivered, and then no longer movable.
            try expect(
                try await engine.send(
                    .PATCH, "/v1/notifications/\(id)", acme, ["send_at": Date().formatted(.iso8601)]), [200])
            try await Self.poll { try await engine.inbox(acme).count == 1 }
            let view = try await engine.settled(acme, id)
            #expect(engine.timelineKinds(view).filter { $0 == "rescheduled" }.count == 3)
            let late = try await engine.send(
                .PATCH, "/v1/notifications/\(id)", acme, ["send_at": "2031-06-01T12:00:00Z"])
            #expect(late.status == 409)
            #expect(late.json["code"] as? String == "already_released")
            let unknown = try await engine.send(
                .PATCH, "/v1/notifications/\(UUID().uuidString.lowercased())", acme, ["send_at": "2031-06-01T12:00:00Z"]
            )
            #expect(unknown.status == 404)
        }
    }
}
