import Foundation
import Logging
import NotifyFunctionKit
import NotifyModel
import NotifyTestSupport
import PostgresNIO
import PreferenceFilterFunction
import Testing

/// Each preference rule and drop reason, by running `preference-filter` on real deliveries and
/// committing its output as the runtime does.
@Suite(.serialized) struct PreferenceRuleTests {
    /// A delivery of `category` to `user` on `channel`, filtered at `now`.
    struct Case {
        var engine: Engine
        var tenant: Engine.Tenant

        func filter(
            user: String, channel: NotifyModel.Channel, category: String = "welcome", now: Date
        )
            async throws -> (status: String, reason: String?, output: FunctionOutput)
        {
            let runtime = engine.runtime
            let rows = try await runtime.rows(
                """
                WITH n AS (
                    INSERT INTO notify.notifications (tenant_id, category_key, recipients, status)
                    VALUES (\(tenant.id), \(category), '{"users":[]}', 'done') RETURNING id
                ), u AS (SELECT id FROM notify.users WHERE tenant_id = \(tenant.id) AND external_id = \(user))
                INSERT INTO notify.deliveries (tenant_id, notification_id, user_id, channel)
                SELECT \(tenant.id), n.id, u.id, \(channel.rawValue) FROM n, u RETURNING notification_id, user_id
                """)
            let (notificationID, userID) = try rows[0].decode((UUID, Int64).self)
            let batch = DeliveryBatch(
                tenantID: tenant.id, notificationID: notificationID, channel: channel, userIDs: [userID])
            let clock = ManualClock(now)
            let context = FunctionContext(
                jobID: 1, attempt: 1, maxAttempts: 5, deadline: .now + .seconds(30), tenantID: tenant.id,
                lane: .transactional, logger: runtime.logger, database: FunctionDatabase(client: runtime.client),
                clock: clock)
            let output = try await PreferenceFilterFunction().handle(batch, context: context)
            try await runtime.client.withTransaction(logger: runtime.logger) { connection in
                for write in output.runnableWrites { try await connection.query(write, logger: runtime.logger) }
            }
            let state = try await runtime.rows(
                "SELECT status, reason FROM notify.deliveries WHERE notification_id = \(notificationID)")
            let (status, reason) = try state[0].decode((String, String?).self)
            return (status, reason, output)
        }

        func preferences(_ user: String, _ json: [String: Any]) async throws {
            try expect(try await engine.put("/v1/users/\(user)/preferences", tenant, json), [200])
        }
    }

    static let noon = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-17, midday in Europe

    func withCase(_ body: @Sendable (Case) async throws -> Void) async throws {
        try await Engine.with { engine in
            let tenant = try await engine.tenant()
            try await body(Case(engine: engine, tenant: tenant))
        }
    }

    @Test func anOptOutDropsTheChannelOnly() async throws {
        try await withCase { test in
            try await test.preferences("ada", ["channels": ["welcome": ["inapp": false]]])
            let result = try await test.filter(user: "ada", channel: .inapp, now: Self.noon)
            #expect(result.status == "dropped")
            #expect(result.reason == "opted_out")
            try await test.preferences("ada", ["channels": ["welcome": ["email": false]]])
            let other = try await test.filter(user: "ada", channel: .inapp, now: Self.noon)
            #expect(other.status == "pending")
            #expect(other.output.next.map(\.function.rawValue) == ["render"])
        }
    }

    @Test func aSuppressedAddressAndAMissingAddressAreDroppedWithTheirReasons() async throws {
        try await withCase { test in
            try expect(try await test.engine.put("/v1/users/ada", test.tenant, ["email": "ada@example.com"]), [200])
            let hash = Data(test.engine.dependencies.hasher.hash("ADA@example.com", channel: .email))
            try await test.engine.runtime.client.query(
                """
                INSERT INTO notify.suppressions (tenant_id, channel, address_hash, reason)
                VALUES (\(test.tenant.id), 'email', \(hash), 'hard_bounce')
                """, logger: test.engine.runtime.logger)
            let suppressed = try await test.filter(user: "ada", channel: .email, now: Self.noon)
            #expect(suppressed.reason == "suppressed")
            let noPhone = try await test.filter(user: "ada", channel: .sms, now: Self.noon)
            #expect(noPhone.reason == "no_address")
            let noDevice = try await test.filter(user: "ada", channel: .push, now: Self.noon)
            #expect(noDevice.reason == "no_address")
            let events = try await test.engine.runtime.rows(
                "SELECT detail->>'reason' FROM notify.events WHERE kind = 'dropped' ORDER BY id")
            #expect(try events.map { try $0.decode(String.self) } == ["suppressed", "no_address", "no_address"])
        }
    }

    @Test func quietHoursDeferToTheWindowsEndAcrossADaylightSavingChange() async throws {
        try await withCase { test in
            try expect(try await test.engine.put("/v1/users/ada", test.tenant, ["email": "ada@example.com"]), [200])
            // The user's zone: Berlin.
            try await test.preferences("ada", ["quiet_hours": ["start": "22:00", "end": "07:00"]])
            // 2026-03-28 23:30 in Berlin (UTC+1); the window ends 2026-03-29 07:00 CEST (UTC+2) = 05:00Z.
            let lateEvening = try Date("2026-03-28T22:30:00Z", strategy: .iso8601)
            let result = try await test.filter(user: "ada", channel: .email, now: lateEvening)
            #expect(result.status == "deferred")
            #expect(result.reason == "quiet_hours")
            let retry = result.output.next.first
            #expect(retry?.function.rawValue == "preference-filter")
            #expect(retry?.runAt == (try Date("2026-03-29T05:00:00Z", strategy: .iso8601)))
            let outside = try await test.filter(user: "ada", channel: .email, now: Self.noon)
            #expect(outside.status == "pending")
            // In-app messages are silent: quiet hours never hold them.
            let silent = try await test.filter(user: "ada", channel: .inapp, now: lateEvening)
            #expect(silent.status == "pending")
        }
    }

    @Test func criticalCategoriesPassQuietHoursAndOptOuts() async throws {
        try await withCase { test in
            try expect(
                try await test.engine.put(
                    "/v1/categories/otp", test.tenant,
                    ["kind": "transactional", "critical": true, "default_channels": ["inapp"], "template": "welcome"]),
                [201])
            try expect(try await test.engine.put("/v1/users/ada", test.tenant, ["email": "ada@example.com"]), [200])
            try await test.preferences(
                "ada",
                ["channels": ["otp": ["email": false]], "quiet_hours": ["start": "00:00", "end": "23:59"]])
            let result = try await test.filter(user: "ada", channel: .email, category: "otp", now: Self.noon)
            #expect(result.status == "pending")
            #expect(result.output.next.map(\.function.rawValue) == ["render"])
            let ordinary = try await test.filter(user: "ada", channel: .email, category: "welcome", now: Self.noon)
            #expect(ordinary.status == "deferred")
        }
    }

    @Test func frequencyCapsDropOrDeferPerTheCategory() async throws {
        try await withCase { test in
            try await test.preferences("ada", ["frequency_caps": ["welcome": ["limit": 1, "window_seconds": 3600]]])
            let first = try await test.filter(user: "ada", channel: .inapp, now: Date())
            #expect(first.status == "pending")
            try await test.engine.runtime.client.query(
                "UPDATE notify.deliveries SET status = 'delivered', updated_at = now()",
                logger: test.engine.runtime.logger)
            let deferred = try await test.filter(user: "ada", channel: .inapp, now: Date())
            #expect(deferred.status == "deferred")
            #expect(deferred.reason == "frequency_cap")
            let runAt = try #require(deferred.output.next.first?.runAt)
            #expect(runAt > Date().addingTimeInterval(3500))
            try expect(
                try await test.engine.put(
                    "/v1/categories/welcome", test.tenant,
                    ["kind": "marketing", "default_channels": ["inapp"], "cap_action": "drop"]), [200])
            let dropped = try await test.filter(user: "ada", channel: .inapp, now: Date())
            #expect(dropped.status == "dropped")
            #expect(dropped.reason == "frequency_capped")
        }
    }
}
