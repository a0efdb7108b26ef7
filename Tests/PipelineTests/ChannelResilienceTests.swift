import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NotifyModel
import NotifyProviders
import NotifySMTP
import NotifySandbox
import NotifyTestSupport
import PostgresNIO
import Testing

/// Provider outages, 429 storms, send-rate limits, unknown outcomes and one-click unsubscribe,
/// against the sandbox over real sockets.
@Suite("Channel resilience against the provider sandbox")
struct ChannelResilienceTests {
    static let outage = FaultSettings(outage: .init(mode: .unavailable))

    @Test(
        "With the primary SMS provider down, every message goes once through the secondary; the circuit opens, then closes"
    )
    func failoverAndCircuit() async throws {
        try await Engine.with(sandbox: SandboxConfiguration(faults: [.twilio: Self.outage])) { engine in
            let tenant = try await engine.sandboxTenant()
            var ids: [String] = []
            for code in 0..<12 {
                ids.append(
                    try await engine.notify(
                        tenant, ["category": "otp", "to": ["user": "ada"], "data": ["code": "\(code)"]]))
            }
            for id in ids { try await engine.waitFor(tenant, id, channel: "sms", status: "delivered") }
            let counts = try #require(engine.sandbox?.recorder.counts())
            #expect(counts[.vonage]?.accepted == 12)
            #expect(counts[.vonage]?.duplicates == 0)
            #expect(counts[.twilio]?.accepted == 0)
            let circuit = try await engine.get("/v1/providers/sbx-twilio", tenant).json["circuit"] as? [String: Any]
            #expect(circuit?["state"] as? String == "open")
            // The primary recovers: after the open period one probe goes to it and closes the circuit.
            engine.sandbox?.setFaults(.none, for: .twilio)
            let closed = try await eventually(timeout: .seconds(20), every: .milliseconds(200)) {
                let id = try await engine.notify(
                    tenant, ["category": "otp", "to": ["user": "ada"], "data": ["code": "probe"]])
                try await engine.waitFor(tenant, id, channel: "sms", status: "delivered")
                let state = try await engine.get("/v1/providers/sbx-twilio", tenant).json["circuit"] as? [String: Any]
                return state?["state"] as? String == "closed"
            }
            #expect(closed)
            #expect((engine.sandbox?.recorder.counts()[.twilio]?.accepted ?? 0) >= 1)
        }
    }

    @Test("A 429 storm snoozes sends without spending attempts and loses nothing")
    func rateLimitedStorm() async throws {
        // Every third request gets a 429 with Retry-After: 1, whenever the sends arrive.
        let storm = FaultSettings(rateLimit: .init(everyNth: 3, retryAfterSeconds: 1))
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant()
            engine.sandbox?.setFaults(storm, for: .twilio)
            var ids: [String] = []
            for code in 0..<10 {
                ids.append(
                    try await engine.notify(
                        tenant, ["category": "otp", "to": ["user": "ada"], "data": ["code": "\(code)"]]))
            }
            var snoozed = 0
            for id in ids {
                let view = try await engine.waitFor(tenant, id, channel: "sms", status: "delivered")
                snoozed += engine.timelineKinds(view).filter { $0 == "snoozed" }.count
            }
            #expect(snoozed > 0, "the storm's 429s snoozed sends")
            let counts = try #require(engine.sandbox?.recorder.counts())
            #expect(counts[.twilio]?.accepted == 10)
            #expect(counts[.vonage]?.accepted == 0, "a 429 snoozes; it does not fail over")
            let attempts = try await engine.scalar(
                "SELECT max(attempts)::int FROM notify.deliveries WHERE channel = 'sms'")
            #expect(attempts == 1)
        }
    }

    @Test("A provider's send rate holds across the route however fast notifications arrive")
    func sendRateLimit() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant(
                smsRoute: ["sbx-twilio"], accountSettings: ["sbx-twilio": ["rate_per_second": 20, "burst": 5]])
            var ids: [String] = []
            for code in 0..<40 {
                ids.append(
                    try await engine.notify(
                        tenant, ["category": "otp", "to": ["user": "ada"], "data": ["code": "\(code)"]]))
            }
            for id in ids {
                try await engine.waitFor(tenant, id, channel: "sms", status: "sent", timeout: .seconds(30))
            }
            let times = engine.recorded(.twilio).map(\.receivedAt).sorted()
            #expect(times.count == 40)
            // 40 messages at 20/s with a burst of 5 need at least (40 - 5) / 20 = 1.75 s.
            let span = times.last!.timeIntervalSince(times.first!)
            #expect(span >= 1.5, "sent 40 in \(span) s")
            // No one-second window holds more than the rate plus the burst.
            for (index, start) in times.enumerated() {
                let inWindow = times[index...].prefix { $0.timeIntervalSince(start) < 1 }.count
                #expect(inWindow <= 25, "\(inWindow) sends within one second")
            }
        }
    }

    @Test("A request that times out after it was sent is recorded unknown and, for marketing, not retried")
    func unknownOutcomeNotRetriedForMarketing() async throws {
        let hold = FaultSettings(timeout: .init(rate: 1, holdMs: 5_000))
        try await Engine.with(sandbox: SandboxConfiguration(faults: [.sendgrid: hold])) { engine in
            let tenant = try await engine.sandboxTenant()
            let id = try await engine.notify(
                tenant, ["category": "news", "to": ["user": "ada"], "data": ["name": "A"]])
            let view = try await engine.waitFor(tenant, id, channel: "email", status: "unknown", timeout: .seconds(20))
            #expect(engine.timelineKinds(view).contains("unknown"))
            // The sandbox records the held request when its hold ends: it did reach the provider.
            #expect(await eventually(timeout: .seconds(15)) { engine.recorded(.sendgrid).count == 1 })
            // Marketing is not sent again: a second attempt would show in the timeline and the
            // channel's status, and would be held and recorded in turn.
            try await Task.sleep(for: .seconds(3))
            let later = try await engine.get("/v1/notifications/\(id)", tenant).json
            #expect(engine.timelineKinds(later).filter { $0 == "unknown" }.count == 1, "\(later)")
            #expect((later["channels"] as? [String: [String: Int]])?["email"] == ["unknown": 1], "\(later)")
            #expect(engine.recorded(.sendgrid).count == 1)
        }
    }

    @Test("A delivery stranded in sending, its attempt and its job gone, is sent again after a tick rescues it")
    func strandedSendIsRescued() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant()
            let (id, notification) = try await engine.deliveredOTP(tenant)
            // As if an attempt had claimed it three minutes ago and died with its job.
            try await engine.runtime.client.query(
                """
                UPDATE notify.deliveries
                SET status = 'sending', sending_since = now() - interval '3 minutes',
                    updated_at = now() - interval '3 minutes'
                WHERE notification_id = \(notification) AND channel = 'sms'
                """, logger: engine.runtime.logger)
            // A tick before the delivery counts as stranded does nothing.
            try await engine.runtime.client.query(
                "UPDATE notify.deliveries SET updated_at = now() WHERE notification_id = \(notification)",
                logger: engine.runtime.logger)
            try await ScheduleTests.tick(engine, at: Date())
            #expect(
                try await engine.scalar(
                    "SELECT count(*)::int FROM notify.jobs WHERE queue = 'send-sms' AND lower(payload ->> 'notification_id') = \(id.lowercased())"
                ) == 0)
            try await engine.runtime.client.query(
                "UPDATE notify.deliveries SET updated_at = now() - interval '3 minutes' WHERE notification_id = \(notification)",
                logger: engine.runtime.logger)
            try await ScheduleTests.tick(engine, at: Date())
            try await ScheduleTests.tick(engine, at: Date())
            let rescued = try await eventually(timeout: .seconds(20), every: .milliseconds(50)) {
                try await engine.scalar(
                    """
                    SELECT count(*)::int FROM notify.deliveries
                    WHERE notification_id = \(notification) AND channel = 'sms' AND status IN ('sent', 'delivered')
                    """) == 1
            }
            #expect(rescued)
            let view = try await engine.get("/v1/notifications/\(id)", tenant).json
            #expect(engine.timelineKinds(view).filter { $0 == "unknown" }.count == 1, "\(engine.timelineKinds(view))")
            #expect(engine.timelineKinds(view).filter { $0 == "rescued" }.count == 1, "\(engine.timelineKinds(view))")
            // Claimed once as an interrupted attempt and sent again under the category's retry policy.
            #expect(engine.recorded(.twilio).count == 2)
        }
    }

    @Test("Commercial email over SMTP carries one-click List-Unsubscribe; the link opts the user out")
    func smtpWithOneClickUnsubscribe() async throws {
        let logger = Logger(label: "smtp-test")
        let server = SMTPServer(configuration: .init(host: "127.0.0.1", port: 0), logger: logger)
        try await server.start()
        defer { Task { await server.stop() } }
        let port = try #require(server.port)
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant(emailRoute: ["sbx-smtp"], smtpPort: port)
            let first = try await engine.notify(
                tenant, ["category": "news", "to": ["user": "ada"], "data": ["name": "Ada"]])
            try await engine.waitFor(tenant, first, channel: "email", status: "sent")
            var iterator = server.messages.makeAsyncIterator()
            let message = try #require(await iterator.next())
            #expect(message.recipients == ["ada@example.com"])
            let text = message.text.replacingOccurrences(of: "\r\n ", with: " ")
            #expect(text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"))
            let link = try #require(
                text.split(separator: "\r\n").first { $0.hasPrefix("List-Unsubscribe: <") }
                    .map { $0.dropFirst("List-Unsubscribe: <".count).prefix { $0 != ">" } })
            #expect(link.hasPrefix(engine.baseURL + "/unsubscribe/"))
            let path = String(link.dropFirst(engine.baseURL.count))
            // A GET only shows the page; the one-click POST unsubscribes.
            try expect(try await engine.request(.GET, path), [200])
            try expect(
                try await engine.request(
                    .POST, path, headers: ["Content-Type": "application/x-www-form-urlencoded"],
                    body: Data("List-Unsubscribe=One-Click".utf8)), [200])
            let forged = try await engine.request(.POST, path.dropLast(2) + "xx")
            #expect(forged.status == 404)
            let second = try await engine.notify(
                tenant, ["category": "news", "to": ["user": "ada"], "data": ["name": "Ada"]])
            try await engine.waitFor(tenant, second, channel: "email", status: "dropped")
            let preferences = try await engine.get("/v1/users/ada/preferences", tenant).json
            #expect(((preferences["channels"] as? [String: Any])?["news"] as? [String: Bool])?["email"] == false)
        }
    }
}

extension Engine {
    /// One integer from a query.
    func scalar(_ query: PostgresQuery) async throws -> Int? {
        var value: Int?
        for try await row in try await runtime.client.query(query, logger: runtime.logger).decode(Int?.self) {
            value = row
        }
        return value
    }
}
