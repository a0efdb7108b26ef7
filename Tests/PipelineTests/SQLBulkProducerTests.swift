import Foundation
import NotifyTestSupport
import PostgresNIO
import Testing

/// `notify.send_many`, the SQL producer for many notifications in one call: what it writes, what it
/// answers, and what it refuses.
@Suite(.serialized) struct SQLBulkProducerTests {
    /// One row of `notify.send_many`'s answer.
    struct Answer: Equatable {
        let ordinal: Int
        let id: String
        let replay: Bool
    }

    static func sendMany(_ engine: Engine, _ json: String, tenant: String = "acme") async throws -> [Answer] {
        let rows = try await engine.runtime.rows(
            "SELECT ordinal, id::text, replay FROM notify.send_many(\(tenant), \(json)::jsonb)")
        return try rows.map { row in
            let (ordinal, id, replay) = try row.decode((Int, String, Bool).self)
            return Answer(ordinal: ordinal, id: id, replay: replay)
        }
    }

    @Test func eachNotificationGetsItsAcceptedEventAndValidateJobInItsLaneAndIsDelivered() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try await engine.criticalCategory(acme)
            let answers = try await Self.sendMany(
                engine,
                """
                [{"category": "welcome", "to": {"user": "ada"}, "data": {"name": "One"}},
                 {"category": "welcome", "to": {"users": ["ada"]}, "data": {"name": "Two"}, "priority": "bulk"},
                 {"category": "otp", "to": {"user": "ada"}, "data": {"name": "Code"}, "template": "welcome"},
                 {"category": "welcome", "to": {"user": "ada"}, "data": {"name": "Later"},
                  "send_at": "\(ISO8601DateFormatter().string(from: Date().addingTimeInterval(7200)))"}]
                """)
            #expect(answers.map(\.ordinal) == [0, 1, 2, 3])
            #expect(Set(answers.map(\.id)).count == 4)
            #expect(answers.allSatisfy { !$0.replay })
            let jobs = try await engine.runtime.rows(
                """
                SELECT payload::jsonb ->> 'notification_id', lane::int FROM notify.jobs WHERE queue = 'validate'
                UNION ALL
                SELECT payload::jsonb ->> 'notification_id', 100 + lane::int FROM notify.scheduled_jobs
                """
            ).map { try $0.decode((String, Int).self) }
            let laneOf = Dictionary(uniqueKeysWithValues: jobs)
            #expect(jobs.count == 4, "one validate job each")
            #expect(laneOf[answers[0].id] == 1, "a transactional category's lane")
            #expect(laneOf[answers[1].id] == 2, "priority bulk")
            #expect(laneOf[answers[2].id] == 0, "a critical category's lane")
            #expect(laneOf[answers[3].id] == 101, "two hours ahead: among the scheduled jobs")
            let events = try await engine.runtime.rows(
                "SELECT notification_id::text, kind, detail::text FROM notify.events ORDER BY id"
            ).map { try $0.decode((String, String, String).self) }
            #expect(events.map(\.0) == answers.map(\.id))
            #expect(events.map(\.1) == ["accepted", "accepted", "accepted", "scheduled"])
            #expect(events.allSatisfy { $0.2.contains(#""via": "sql""#) })
            for answer in answers.prefix(3) {
                let view = try await engine.settled(acme, answer.id)
                #expect((view["channels"] as? [String: [String: Int]])?["inapp"]?["delivered"] == 1)
            }
            let titles = Set(try await engine.inbox(acme).compactMap { $0["title"] as? String })
            #expect(titles == ["Hello One", "Hello Two", "Hello Code"])
        }
    }

    @Test func replayedKeysAnswerTheFirstNotificationsAndWriteNothingMore() async throws {
        try await Engine.with { engine in
            _ = try await engine.tenant()
            let json = """
                [{"category": "welcome", "to": {"user": "ada"}, "idempotency_key": "order-7"},
                 {"category": "welcome", "to": {"user": "ada"}},
                 {"category": "welcome", "to": {"user": "ada"}, "idempotency_key": "order-7"}]
                """
            let first = try await Self.sendMany(engine, json)
            #expect(first.map(\.replay) == [false, false, true], "the same key twice in one call")
            #expect(first[2].id == first[0].id)
            let second = try await Self.sendMany(engine, json)
            #expect(second.map(\.replay) == [true, false, true])
            #expect(second[0].id == first[0].id && second[2].id == first[0].id)
            #expect(second[1].id != first[1].id, "without a key, each call is a new notification")
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.notifications") == 3)
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.events") == 3)
        }
    }

    @Test func aTopicAndAWallClockTimeAreTakenAsNotifySendTakesThem() async throws {
        try await Engine.with { engine in
            _ = try await engine.tenant()
            let answers = try await Self.sendMany(
                engine,
                """
                [{"category": "welcome", "to": {"topic": "fans"}, "channels": ["inapp"], "template": "welcome",
                  "send_at_local": "2030-01-02T09:00:00"}]
                """)
            let row = try #require(
                try await engine.runtime.rows(
                    """
                    SELECT recipients::text, channels, template_key, status, to_char(send_at_local, 'YYYY-MM-DD HH24:MI')
                    FROM notify.notifications WHERE id = \(answers[0].id)::uuid
                    """
                ).first)
            let (recipients, channels, template, status, local) = try row.decode(
                (String, [String], String, String, String).self)
            #expect(recipients == #"{"topic": "fans"}"#)
            #expect(channels == ["inapp"])
            #expect(template == "welcome")
            #expect(status == "scheduled")
            #expect(local == "2030-01-02 09:00")
            // Fourteen hours before the wall-clock time (the earliest zone): among the scheduled jobs.
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.scheduled_jobs") == 1)
        }
    }

    @Test(arguments: [
        ("'{}'", "p_notifications must be a JSON array of notifications"),
        ("'[]'", "p_notifications must hold 1 to 10000 notifications (it holds 0); send more in further calls"),
        ("'[1]'", "p_notifications[0]: each notification must be a JSON object"),
        (
            #"'[{"category": "welcome", "to": {"user": "ada"}}, {"category": "welcome", "users": ["ada"]}]'"#,
            #"p_notifications[1]: unknown field "users"; the fields are category, to, data, template, channels, send_at, send_at_local, priority and idempotency_key"#
        ),
        (
            #"'[{"to": {"user": "ada"}}]'"#,
            "p_notifications[0]: category must be a string, the key of one of the tenant's categories"
        ),
        (
            #"'[{"category": "welcome", "to": {"user": "ada", "topic": "fans"}}]'"#,
            #"p_notifications[0]: to must name exactly one of user, users or topic: {"user": "ada"}, {"users": ["ada", "bob"]} or {"topic": "fans"}"#
        ),
        (
            #"'[{"category": "welcome", "to": "ada"}]'"#,
            #"p_notifications[0]: to must name exactly one of user, users or topic: {"user": "ada"}, {"users": ["ada", "bob"]} or {"topic": "fans"}"#
        ),
        (
            #"'[{"category": "welcome", "to": {"users": []}}]'"#,
            "p_notifications[0]: to.users must hold 1 to 1000 user ids; use a topic for larger audiences"
        ),
        (
            #"'[{"category": "welcome", "to": {"users": [7]}}]'"#,
            "p_notifications[0]: to.users must be an array of strings, the users' external ids"
        ),
        (
            #"'[{"category": "welcome", "to": {"user": 7}}]'"#,
            "p_notifications[0]: to.user must be a string, the user's external id"
        ),
        (
            #"'[{"category": "welcome", "to": {"user": "ada"}, "channels": []}]'"#,
            "p_notifications[0]: channels must not be empty; omit it to use the category's"
        ),
        (
            #"'[{"category": "welcome", "to": {"user": "ada"}, "data": [1]}]'"#,
            "p_notifications[0]: data must be a JSON object"
        ),
        (
            #"'[{"category": "welcome", "to": {"user": "ada"}, "channels": "inapp"}]'"#,
            "p_notifications[0]: channels must be an array of strings"
        ),
        (
            #"'[{"category": "welcome", "to": {"user": "ada"}, "priority": "urgent"}]'"#,
            #"p_notifications[0]: unknown priority "urgent"; use critical, transactional or bulk"#
        ),
        (
            #"'[{"category": "welcome", "to": {"user": "ada"}, "send_at": "2030-01-01T00:00:00Z", "send_at_local": "2030-01-01T09:00:00"}]'"#,
            "p_notifications[0]: give at most one of send_at (an instant) and send_at_local (a wall-clock time in each recipient's zone)"
        ),
        (
            #"'[{"category": "welcome", "to": {"user": "ada"}}, {"category": "welcome", "to": {"user": "ada"}, "send_at": "next week"}]'"#,
            #"p_notifications[1].send_at: "next week" is not an ISO 8601 time with an offset, such as 2026-12-24T09:00:00Z"#
        ),
        (
            #"'[{"category": "welcome", "to": {"user": "ada"}, "idempotency_key": ""}]'"#,
            "p_notifications[0]: idempotency_key must be a string of 1 to 255 characters"
        ),
    ])
    func badNotificationsAreRefusedWithTheirPlaceAndNothingIsWritten(_ json: String, _ message: String) async throws {
        try await Engine.with { engine in
            _ = try await engine.tenant()
            do {
                _ = try await engine.runtime.rows(
                    PostgresQuery(unsafeSQL: "SELECT * FROM notify.send_many('acme', \(json)::jsonb)"))
                Issue.record("notify.send_many accepted: \(json)")
            } catch let error as PSQLError {
                #expect(error.serverInfo?[.message] == message)
                #expect(error.serverInfo?[.sqlState] == "22023")
            }
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.notifications") == 0)
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.jobs") == 0)
        }
    }

    @Test func anUnknownTenantIsRefusedWithAHint() async throws {
        try await Engine.with { engine in
            do {
                _ = try await Self.sendMany(
                    engine, #"[{"category": "welcome", "to": {"user": "ada"}}]"#, tenant: "nobody")
                Issue.record("notify.send_many accepted an unknown tenant")
            } catch let error as PSQLError {
                #expect(error.serverInfo?[.message] == #"unknown tenant "nobody""#)
                #expect(error.serverInfo?[.hint] == "create it with: notify tenants create")
            }
        }
    }
}
