import Foundation
import Logging
import NotifyTestSupport
import PostgresNIO
import Testing

/// The SQL producers read `send_at` and `send_at_local` as the HTTP API does: an ISO 8601 instant
/// with an offset, and a local date-time without one, from ten years back to ten years ahead.
/// PostgreSQL's own casts, which they used, also took `tomorrow`, `today`, `epoch`, `infinity`
/// (never sent) and an instant without an offset.
@Suite struct SQLProducerTimeTests {
    static let logger = TestCluster.logger

    /// One item of `notify.send_many` that the form checks accept.
    static let goodItem = #"{"category": "welcome", "to": {"user": "ada"}}"#

    /// Runs `body` on one connection to a fresh database with tenant `acme`, in a session whose
    /// zone is not UTC (a time without an offset would be read in it).
    static func withTenant(_ body: @Sendable (PostgresConnection) async throws -> Void) async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            try await client.withConnection { connection in
                try await connection.query(
                    "INSERT INTO notify.tenants (id, name, inbox_secret) VALUES ('acme', 'Acme', '\\x00')",
                    logger: logger)
                try await connection.query("SET TimeZone = 'Asia/Tokyo'", logger: logger)
                try await body(connection)
            }
        }
    }

    static func count(_ table: String, on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM notify.\(table)"), logger: logger
        ).collect()
        return try rows[0].decode(Int.self)
    }

    /// Runs `sql`, which must fail with SQLSTATE 22023, and answers its message and hint.
    static func refusal(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> (String?, String?) {
        do {
            _ = try await connection.query(query, logger: logger).collect()
        } catch let error as PSQLError {
            #expect(error.serverInfo?[.sqlState] == "22023")
            return (error.serverInfo?[.message], error.serverInfo?[.hint])
        }
        Issue.record("accepted: \(query.sql)")
        return (nil, nil)
    }

    static let instantForm = "is not an ISO 8601 time with an offset, such as 2026-12-24T09:00:00Z"
    static let localForm =
        "is not a local date-time YYYY-MM-DDTHH:MM[:SS] without an offset, such as 2026-12-24T09:00:00"

    @Test(
        "send_many refuses what the HTTP API refuses, naming the item and the field, and writes nothing",
        arguments: [
            ("send_at", "tomorrow"), ("send_at", "infinity"), ("send_at", "-infinity"), ("send_at", "epoch"),
            ("send_at", "now"), ("send_at", "2026-12-24 09:00"), ("send_at", "2026-12-24T09:00:00"),
            ("send_at", "2026-12-24T09:00Z"), ("send_at", "2026-02-30T09:00:00Z"), ("send_at", "2026-12-24T24:00:00Z"),
            ("send_at", "2026-12-24T09:00:00+19:00"), ("send_at", "0000-12-24T09:00:00Z"),
            ("send_at", "2026-12-24T09:00:00Z "), ("send_at", "2026-12-24T09:00:00.1234567890Z"),
            ("send_at_local", "today"), ("send_at_local", "tomorrow"), ("send_at_local", "infinity"),
            ("send_at_local", "epoch"), ("send_at_local", "2026-12-24T09:00:00Z"),
            ("send_at_local", "2026-12-24T09:00+01:00"), ("send_at_local", "2026-12-24T09:00:00.5"),
            ("send_at_local", "2026-12-24"), ("send_at_local", "2026-02-30T09:00"),
            ("send_at_local", "2026-12-24T24:00"),
            ("send_at_local", "0000-01-01T00:00"),
        ])
    func badTimesAreRefused(_ field: String, _ value: String) async throws {
        try await Self.withTenant { connection in
            let bad = #"{"category": "welcome", "to": {"user": "ada"}, "\#(field)": "\#(value)"}"#
            let json = "[\(Self.goodItem), \(Self.goodItem), \(bad), \(Self.goodItem)]"
            let (message, hint) = try await Self.refusal(
                "SELECT * FROM notify.send_many('acme', \(json)::jsonb)", on: connection)
            let quoted = #""\#(value)""#
            let form = field == "send_at" ? Self.instantForm : Self.localForm
            #expect(message == "p_notifications[2].\(field): \(quoted) \(form)")
            if field == "send_at" {
                #expect(hint == "for a wall-clock time in each recipient's own zone, use send_at_local")
            }
            for table in ["notifications", "events", "jobs", "scheduled_jobs"] {
                #expect(try await Self.count(table, on: connection) == 0, "nothing written to \(table)")
            }
        }
    }

    @Test("the first bad time is the one named")
    func theFirstBadTimeIsNamed() async throws {
        try await Self.withTenant { connection in
            let json = """
                [\(Self.goodItem),
                 {"category": "welcome", "to": {"user": "ada"}, "send_at_local": "today"},
                 {"category": "welcome", "to": {"user": "ada"}, "send_at": "tomorrow"}]
                """
            let (message, _) = try await Self.refusal(
                "SELECT * FROM notify.send_many('acme', \(json)::jsonb)", on: connection)
            #expect(message == #"p_notifications[1].send_at_local: "today" \#(Self.localForm)"#)
        }
    }

    @Test("send_many takes the API's forms and schedules each for its instant, whatever the session's zone")
    func goodTimesAreScheduledForTheirInstant() async throws {
        try await Self.withTenant { connection in
            // (value, the instant in UTC)
            let instants = [
                ("2030-06-01T09:00:00Z", "2030-06-01 09:00:00.000000"),
                ("2030-06-01T09:00:00z", "2030-06-01 09:00:00.000000"),
                ("2030-06-01T09:00:00+02:00", "2030-06-01 07:00:00.000000"),
                ("2030-06-01T09:00:00+0200", "2030-06-01 07:00:00.000000"),
                ("2030-06-01T09:00:00+02", "2030-06-01 07:00:00.000000"),
                ("2030-06-01T09:00:00-05:30", "2030-06-01 14:30:00.000000"),
                ("2030-06-01T09:00:00.25Z", "2030-06-01 09:00:00.250000"),
                ("2030-06-01T09:00:00.123456789+01:00", "2030-06-01 08:00:00.123457"),
                ("2028-02-29T23:30:00-01:00", "2028-03-01 00:30:00.000000"),
                ("2030-06-01T09:00:00+18:00", "2030-05-31 15:00:00.000000"),
            ]
            // (value, as stored, when validate runs: the wall time at UTC+14)
            let locals = [
                ("2030-01-02T09:00", "2030-01-02 09:00:00.000000", "2030-01-01 19:00:00.000000"),
                ("2030-01-02T09:00:30", "2030-01-02 09:00:30.000000", "2030-01-01 19:00:30.000000"),
                ("2030-01-02 09:00", "2030-01-02 09:00:00.000000", "2030-01-01 19:00:00.000000"),
            ]
            let items =
                instants.map { #"{"category": "welcome", "to": {"user": "ada"}, "send_at": "\#($0.0)"}"# }
                + locals.map { #"{"category": "welcome", "to": {"user": "ada"}, "send_at_local": "\#($0.0)"}"# }
            let answers = try await connection.query(
                "SELECT ordinal, id::text FROM notify.send_many('acme', \("[\(items.joined(separator: ","))]")::jsonb)",
                logger: Self.logger
            ).collect().map { try $0.decode((Int, String).self) }
            #expect(answers.map(\.0) == Array(0..<items.count))
            let rows = try await connection.query(
                """
                SELECT n.id::text, n.status, to_char(n.send_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'),
                       to_char(n.send_at_local, 'YYYY-MM-DD HH24:MI:SS.US'),
                       to_char(j.run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')
                  FROM notify.notifications n
                  JOIN notify.scheduled_jobs j ON lower(j.payload ->> 'notification_id') = n.id::text
                """, logger: Self.logger
            ).collect().map { try $0.decode((String, String, String?, String?, String).self) }
            let byID = Dictionary(uniqueKeysWithValues: rows.map { ($0.0, $0) })
            for (index, (value, instant)) in instants.enumerated() {
                let row = try #require(byID[answers[index].1], "a row and a waiting validate job for \(value)")
                #expect(row.1 == "scheduled")
                #expect(row.2 == instant, "send_at \(value)")
                #expect(row.3 == nil)
                #expect(row.4 == instant, "validate runs at send_at \(value)")
            }
            for (offset, (value, stored, runAt)) in locals.enumerated() {
                let row = try #require(byID[answers[instants.count + offset].1], "a row for \(value)")
                #expect(row.1 == "scheduled")
                #expect(row.2 == nil)
                #expect(row.3 == stored, "send_at_local \(value)")
                #expect(row.4 == runAt, "validate runs when UTC+14 reaches \(value)")
            }
        }
    }

    @Test("an instant already past, within the year back the API takes, is sent at once")
    func aPastInstantIsAcceptedAndQueued() async throws {
        try await Self.withTenant { connection in
            let hourAgo = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-3600))
            let json = #"[{"category": "welcome", "to": {"user": "ada"}, "send_at": "\#(hourAgo)"}]"#
            _ = try await connection.query(
                "SELECT * FROM notify.send_many('acme', \(json)::jsonb)", logger: Self.logger
            ).collect()
            let rows = try await connection.query(
                "SELECT status, send_at < now() FROM notify.notifications", logger: Self.logger
            ).collect().map { try $0.decode((String, Bool).self) }
            #expect(rows.map(\.0) == ["accepted"])
            #expect(rows.map(\.1) == [true])
            #expect(try await Self.count("jobs", on: connection) == 1)
            #expect(try await Self.count("scheduled_jobs", on: connection) == 0)
        }
    }

    /// The API's window in this transaction: its first and last second, as the API writes them.
    static func window(on connection: PostgresConnection) async throws -> (String, String) {
        let rows = try await connection.query(
            """
            SELECT to_char((now() AT TIME ZONE 'UTC')::date - 3653, 'YYYY-MM-DD"T00:00:00"'),
                   to_char((now() AT TIME ZONE 'UTC')::date + 3653, 'YYYY-MM-DD"T23:59:59"')
            """, logger: logger
        ).collect()
        return try rows[0].decode((String, String).self)
    }

    @Test(
        "send_many takes times from ten years back to ten years ahead, as the API does, and names one outside",
        arguments: ["send_at", "send_at_local"])
    func timesOutsideTheWindowAreRefused(_ field: String) async throws {
        try await Self.withTenant { connection in
            try await connection.query("BEGIN", logger: Self.logger)
            let (earliest, latest) = try await Self.window(on: connection)
            let zone = field == "send_at" ? "Z" : ""
            func item(_ time: String) -> String {
                #"{"category": "welcome", "to": {"user": "ada"}, "\#(field)": "\#(time)\#(zone)"}"#
            }
            let range =
                "from \(earliest)\(zone) to \(latest)\(zone) (ten years back to ten years ahead)"
                + (field == "send_at" ? "" : ", as a wall-clock time with no offset")
            let inside = try await connection.query(
                "SELECT count(*)::int FROM notify.send_many('acme', \("[\(item(earliest)), \(item(latest))]")::jsonb)",
                logger: Self.logger
            ).collect()
            #expect(try inside[0].decode(Int.self) == 2, "the first and the last second are taken")
            try await connection.query("ROLLBACK", logger: Self.logger)
            for outside in ["0001-01-01T00:00:00", "9999-12-31T23:59:00", "2040-01-01T00:00:00"] {
                try await connection.query("BEGIN", logger: Self.logger)
                let json = "[\(Self.goodItem), \(item(outside))]"
                let (message, _) = try await Self.refusal(
                    "SELECT * FROM notify.send_many('acme', \(json)::jsonb)", on: connection)
                #expect(
                    message
                        == #"p_notifications[1].\#(field): "\#(outside)\#(zone)" is outside the accepted range: \#(range)"#
                )
                try await connection.query("ROLLBACK", logger: Self.logger)
            }
            #expect(try await Self.count("notifications", on: connection) == 0)
        }
    }

    @Test(
        "notify.send refuses typed times outside the API's window, infinity among them",
        arguments: [
            ("p_send_at => 'infinity'", "p_send_at: infinity", "Z", ""),
            ("p_send_at => '-infinity'", "p_send_at: -infinity", "Z", ""),
            ("p_send_at => '2040-01-01 00:00:00+00'", "p_send_at: 2040-01-01 00:00:00+00", "Z", ""),
            ("p_send_at => now() - interval '3700 days'", nil, "Z", ""),
            (
                "p_send_at_local => 'infinity'", "p_send_at_local: infinity", "",
                ", as a wall-clock time with no offset"
            ),
            (
                "p_send_at_local => '0044-03-15 12:00 BC'", "p_send_at_local: 0044-03-15 12:00:00 BC", "",
                ", as a wall-clock time with no offset"
            ),
        ] as [(String, String?, String, String)])
    func sendRefusesTimesOutsideTheWindow(
        _ argument: String, _ start: String?, _ zone: String, _ tail: String
    )
        async throws
    {
        try await Self.withTenant { connection in
            try await connection.query("SET TimeZone = 'UTC'", logger: Self.logger)
            try await connection.query("BEGIN", logger: Self.logger)
            let (earliest, latest) = try await Self.window(on: connection)
            let (message, _) = try await Self.refusal(
                PostgresQuery(unsafeSQL: "SELECT notify.send('acme', 'welcome', ARRAY['ada'], \(argument))"),
                on: connection)
            let range =
                "is outside the accepted range: from \(earliest)\(zone) to \(latest)\(zone) (ten years back to ten years ahead)\(tail)"
            if let start {
                #expect(message == "\(start) \(range)")
            } else {
                #expect(
                    message?.hasPrefix("p_send_at: ") == true && message?.hasSuffix(range) == true, "\(message ?? "")")
            }
            try await connection.query("ROLLBACK", logger: Self.logger)
            #expect(try await Self.count("notifications", on: connection) == 0)
        }
    }

    @Test("notify.send still takes an instant and a wall-clock time")
    func sendTakesTimesInTheWindow() async throws {
        try await Self.withTenant { connection in
            for argument in [
                "p_send_at => '2030-06-01T09:00:00+02:00'", "p_send_at_local => '2030-01-02 09:00'",
                "p_send_at => now() - interval '300 days'",
            ] {
                _ = try await connection.query(
                    PostgresQuery(unsafeSQL: "SELECT notify.send('acme', 'welcome', ARRAY['ada'], \(argument))"),
                    logger: Self.logger
                ).collect()
            }
            let rows = try await connection.query(
                """
                SELECT to_char(send_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), to_char(send_at_local, 'YYYY-MM-DD HH24:MI')
                  FROM notify.notifications
                """, logger: Self.logger
            ).collect().map { try $0.decode((String?, String?).self) }
            #expect(rows.count == 3)
            #expect(rows.contains { $0.0 == "2030-06-01 07:00" })
            #expect(rows.contains { $0.1 == "2030-01-02 09:00" })
            #expect(try await Self.count("scheduled_jobs", on: connection) == 2)
            #expect(try await Self.count("jobs", on: connection) == 1, "the past instant is sent at once")
        }
    }
}
