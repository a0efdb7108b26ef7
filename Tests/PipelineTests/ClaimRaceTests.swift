import Foundation
import NotifyFunctionKit
import NotifyRuntime
import NotifySandbox
import NotifyTestSupport
import PostgresNIO
import Testing

/// Two send attempts that read the same delivery as ready at the same moment: the send step's
/// claim takes no row lock when it reads, so its update must find the delivery still as it read
/// it, and only one of them may send.
@Suite("Racing send claims")
struct ClaimRaceTests {
    @Test("two send attempts from two processes racing for one rendered delivery send it once")
    func racingClaimsSendOnce() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant()
            let (id, notification) = try await engine.deliveredOTP(tenant)
            #expect(engine.recorded(.twilio).count == 1)
            let client = engine.runtime.client
            let logger = engine.runtime.logger
            // Ready to send again, as after a render.
            try await client.query(
                """
                UPDATE notify.deliveries SET status = 'rendered', sending_since = NULL
                WHERE notification_id = \(notification) AND channel = 'sms'
                """, logger: logger)
            let delivery = try #require(
                try await engine.runtime.rows(
                    "SELECT id, user_id FROM notify.deliveries WHERE notification_id = \(notification) AND channel = 'sms'"
                ).first?.decode((Int64, Int64).self))

            // One attempt is a queued job of this engine's worker; the other comes from a second
            // sender, standing for another worker process: a send engine of its own, so its claim
            // is not coalesced with the first (one process sends one claim at a time).
            let other = try Self.otherSender(engine, tenant: tenant, id: id, users: [delivery.1], jobID: 1_000_000)
            let secondAttempt = try await client.withConnection { blocker in
                // Holds the row, so both attempts read it as rendered and then wait to update it.
                try await blocker.query("BEGIN", logger: logger)
                try await blocker.query(
                    "SELECT 1 FROM notify.deliveries WHERE id = \(delivery.0) FOR UPDATE", logger: logger)
                try await client.query(
                    """
                    SELECT notify.enqueue('send-sms',
                        jsonb_build_object('tenant_id', \(tenant.id)::text, 'notification_id', \(notification),
                                           'channel', 'sms', 'user_ids', jsonb_build_array(\(delivery.1))),
                        NULL, NULL, \(tenant.id)::text)
                    """, logger: logger)
                var waiting = [try await Self.claimsWaiting(engine, 1)]
                let attempt = Task {
                    try await FunctionInvoker.invoke(other.entry, payload: other.payload, context: other.context)
                }
                waiting.append(try await Self.claimsWaiting(engine, 2))
                try await blocker.query("COMMIT", logger: logger)
                #expect(waiting == [true, true], "both claims waited for the row")
                return attempt
            }
            // Its output is checked through what it left: the delivery sent once more, below.
            _ = try await secondAttempt.value

            let settled = try await eventually(timeout: .seconds(20), every: .milliseconds(50)) {
                let jobs = try await engine.runtime.count(
                    """
                    SELECT count(*)::int FROM notify.jobs
                    WHERE queue = 'send-sms' AND payload ->> 'notification_id' = \(id.lowercased())
                    """)
                let sent = try await engine.runtime.count(
                    """
                    SELECT count(*)::int FROM notify.deliveries
                    WHERE id = \(delivery.0) AND status IN ('sent', 'delivered')
                    """)
                return jobs == 0 && sent == 1
            }
            #expect(settled, "both jobs finished and the delivery went out")
            #expect(engine.recorded(.twilio).count == 2, "sent once more, not twice: \(engine.recorded(.twilio).count)")
            let attempts = try await engine.runtime.count(
                "SELECT attempts FROM notify.deliveries WHERE id = \(delivery.0)")
            #expect(attempts == 2, "claimed once more: attempts \(attempts)")
        }
    }

    /// The attempt's claim and its look for deliveries that another attempt holds are two
    /// statements, each with its own `now()`. A delivery whose other claim turned stale between
    /// them was neither claimed (not stale yet for the first) nor busy (stale for the second),
    /// and the attempt finished without it: it stayed in `sending` until the leader's rescue, a
    /// minute later. `SendCrashTests` saw this in about one run in five.
    @Test("a delivery whose other claim turns stale while this attempt claims is sent again, not left in sending")
    func aClaimThatTurnsStaleMidAttemptIsNotLeftBehind() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant()
            try expect(
                try await engine.put(
                    "/v1/users/bob", tenant, ["phone": "+14155550101", "locale": "en", "timezone": "UTC"]),
                [201])
            let id = try await engine.notify(
                tenant, ["category": "otp", "to": ["users": ["ada", "bob"]], "data": ["code": "1"]])
            let notification = try #require(UUID(uuidString: id))
            let client = engine.runtime.client
            let logger = engine.runtime.logger
            // Both delivered, by the sandbox's callbacks: no callback comes later to change them.
            try await engine.waitFor(tenant, id, channel: "sms", status: "delivered", count: 2)
            let users = try await engine.runtime.rows(
                """
                SELECT d.id, d.user_id, u.external_id FROM notify.deliveries d JOIN notify.users u ON u.id = d.user_id
                WHERE d.notification_id = \(notification) AND d.channel = 'sms' ORDER BY u.external_id
                """
            ).map { try $0.decode((Int64, Int64, String).self) }
            try #require(users.map(\.2) == ["ada", "bob"])
            let (ada, bob) = (users[0], users[1])
            // Ada's delivery is ready to send again; Bob's is held by an attempt that died 9.5 s
            // ago. The test engine's send timeout is 3 s, so a claim is stale after 2 × 3 + 5 = 11 s:
            // Bob's turns stale 1.5 s from now.
            try await client.query(
                """
                UPDATE notify.deliveries SET status = 'rendered', sending_since = NULL WHERE id = \(ada.0)
                """, logger: logger)
            try await client.query(
                """
                UPDATE notify.deliveries SET status = 'sending', sending_since = now() - interval '9.5 seconds'
                WHERE id = \(bob.0)
                """, logger: logger)

            let sender = try Self.otherSender(engine, tenant: tenant, id: id, users: [ada.1, bob.1], jobID: 1_000_001)
            let result = try await client.withConnection { blocker in
                // Holds Ada's row, so the attempt's claim reads both deliveries now (Bob's not
                // stale yet) and waits to update Ada's until after Bob's claim has turned stale.
                try await blocker.query("BEGIN", logger: logger)
                try await blocker.query(
                    "SELECT 1 FROM notify.deliveries WHERE id = \(ada.0) FOR UPDATE", logger: logger)
                let attempt = Task {
                    try await FunctionInvoker.invoke(sender.entry, payload: sender.payload, context: sender.context)
                }
                #expect(try await Self.claimsWaiting(engine, 1), "the claim waited for Ada's row")
                try await Task.sleep(for: .milliseconds(2500))
                try await blocker.query("COMMIT", logger: logger)
                return try await attempt.value
            }
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(result.utf8)) as? [String: Any], "\(result)")
            #expect(object["error"] == nil, "\(result)")
            // Ada's delivery was claimed and sent; Bob's comes back in a send job of its own, which
            // the chunk's outcome enqueued.
            #expect((object["summary"] as? [String: Any])?["follow_up_jobs"] as? Int == 1, "\(result)")
            // This engine's worker runs it: Bob's claim is stale by now, so it is claimed and sent
            // at once, well before the leader's rescue would look (after a minute).
            let bobSent = try await eventually(timeout: .seconds(10), every: .milliseconds(50)) {
                try await engine.runtime.count(
                    "SELECT count(*)::int FROM notify.deliveries WHERE id = \(bob.0) AND status IN ('sent', 'delivered')"
                ) == 1
            }
            #expect(bobSent, "Bob's delivery was left in sending")
            #expect(
                try await engine.runtime.count("SELECT count(*)::int FROM notify.events WHERE kind = 'rescued'") == 0)
            #expect(engine.recorded(.twilio).count == 4)
        }
    }

    @Test("a cancelled notification's delivery left in sending is not waited for: no follow-up job")
    func aCancelledNotificationsStrandedDeliveryIsNotWaitedFor() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant()
            let (id, notification) = try await engine.deliveredOTP(tenant)
            let delivery = try #require(
                try await engine.runtime.rows(
                    "SELECT id, user_id FROM notify.deliveries WHERE notification_id = \(notification) AND channel = 'sms'"
                ).first?.decode((Int64, Int64).self))
            // Claimed a minute ago by an attempt that died; then the notification was cancelled.
            try await engine.runtime.client.query(
                """
                UPDATE notify.deliveries SET status = 'sending', sending_since = now() - interval '1 minute'
                WHERE id = \(delivery.0)
                """, logger: engine.runtime.logger)
            try await engine.runtime.client.query(
                "UPDATE notify.notifications SET status = 'cancelled' WHERE id = \(notification)",
                logger: engine.runtime.logger)
            let sender = try Self.otherSender(engine, tenant: tenant, id: id, users: [delivery.1], jobID: 1_000_002)
            let result = try await FunctionInvoker.invoke(
                sender.entry, payload: sender.payload, context: sender.context)
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(result.utf8)) as? [String: Any], "\(result)")
            #expect(object["error"] == nil, "\(result)")
            #expect((object["summary"] as? [String: Any])?["follow_up_jobs"] as? Int == 0, "\(result)")
            #expect(engine.recorded(.twilio).count == 1)
        }
    }

    /// A send attempt for `users` of notification `id` as another worker process would make it:
    /// a send engine of its own, so its claim is not coalesced with this engine's.
    static func otherSender(
        _ engine: Engine, tenant: Engine.Tenant, id: String, users: [Int64], jobID: Int64
    ) throws -> (entry: FunctionCatalog.Entry, payload: String, context: FunctionContext) {
        let entry = try #require(Engine.catalog(publicURL: engine.baseURL).entry(named: "send-sms"))
        let userList = users.map(String.init).joined(separator: ",")
        let payload =
            #"{"tenant_id":"\#(tenant.id)","notification_id":"\#(id.lowercased())","channel":"sms","user_ids":[\#(userList)]}"#
        let context = FunctionContext(
            jobID: jobID, attempt: 1, maxAttempts: 6, deadline: .now + .seconds(60), tenantID: tenant.id,
            lane: .transactional, logger: engine.runtime.logger,
            database: FunctionDatabase(client: engine.runtime.client), clock: SystemClock())
        return (entry, payload, context)
    }

    /// Whether `count` send claims come to wait for a row lock within 20 s.
    static func claimsWaiting(_ engine: Engine, _ count: Int) async throws -> Bool {
        try await eventually(timeout: .seconds(20), every: .milliseconds(20)) {
            try await engine.runtime.count(
                """
                SELECT count(*)::int FROM pg_stat_activity
                WHERE wait_event_type = 'Lock' AND datname = current_database()
                  AND query LIKE 'WITH input AS%' AND query LIKE '%FROM notify.deliveries d%'
                """) == count
        }
    }
}
