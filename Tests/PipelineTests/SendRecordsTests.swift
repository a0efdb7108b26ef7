import Foundation
import Logging
import NotifyModel
import NotifySandbox
import NotifyTestSupport
import PostgresNIO
import Testing

/// What a send keeps beside its delivery (migration 33): the claims in flight, which the rescue of
/// stranded sends reads, and the provider's message ids, which callbacks are matched by.
@Suite("Send records: claims in flight and provider message ids")
struct SendRecordsTests {
    @Test("A delivered SMS leaves no claim in flight and its message id finds it; deleting it deletes both records")
    func recordsOfADeliveredSMS() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant()
            let id = try await engine.notify(
                tenant, ["category": "otp", "to": ["user": "ada"], "data": ["code": "1"]])
            // "delivered" comes from the sandbox's signed callback, matched by the message id alone.
            try await engine.waitFor(tenant, id, channel: "sms", status: "delivered")
            let notification = try #require(UUID(uuidString: id))
            let sid = try #require(engine.recorded(.twilio).first?.providerMessageID)
            #expect(
                try await engine.scalar(
                    """
                    SELECT count(*)::int FROM notify.provider_messages p
                    JOIN notify.deliveries d ON d.id = p.delivery_id AND d.tenant_id = p.tenant_id
                    WHERE d.notification_id = \(notification) AND p.provider_message_id = \(sid)
                      AND p.provider_account_id = 'sbx-twilio'
                    """) == 1)
            #expect(try await engine.scalar("SELECT count(*)::int FROM notify.sends_in_flight") == 0)

            // An operator deletes the notification: its delivery goes, and with it the delivery's
            // message id and any claim still listed.
            try await engine.runtime.client.query(
                """
                INSERT INTO notify.sends_in_flight (delivery_id, tenant_id, since)
                SELECT id, tenant_id, now() FROM notify.deliveries WHERE notification_id = \(notification)
                """, logger: engine.runtime.logger)
            try await engine.runtime.client.query(
                "DELETE FROM notify.notifications WHERE id = \(notification)", logger: engine.runtime.logger)
            #expect(try await engine.scalar("SELECT count(*)::int FROM notify.provider_messages") == 0)
            #expect(try await engine.scalar("SELECT count(*)::int FROM notify.sends_in_flight") == 0)
        }
    }

    @Test("A claim listed in flight whose delivery is no longer sending is cleared by a tick, with no job")
    func settledClaimsAreCleared() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant()
            let id = try await engine.notify(
                tenant, ["category": "otp", "to": ["user": "ada"], "data": ["code": "1"]])
            try await engine.waitFor(tenant, id, channel: "sms", status: "delivered")
            let notification = try #require(UUID(uuidString: id))
            // As if an attempt had claimed it three minutes ago, a callback had said "delivered"
            // and the attempt had died before recording its outcome.
            try await engine.runtime.client.query(
                """
                INSERT INTO notify.sends_in_flight (delivery_id, tenant_id, since)
                SELECT id, tenant_id, now() - interval '3 minutes' FROM notify.deliveries
                WHERE notification_id = \(notification)
                """, logger: engine.runtime.logger)
            try await ScheduleTests.tick(engine, at: Date())
            #expect(try await engine.scalar("SELECT count(*)::int FROM notify.sends_in_flight") == 0)
            #expect(
                try await engine.scalar(
                    "SELECT count(*)::int FROM notify.jobs WHERE queue = 'send-sms' AND lower(payload ->> 'notification_id') = \(id.lowercased())"
                ) == 0)
            #expect(
                try await engine.scalar(
                    "SELECT count(*)::int FROM notify.deliveries WHERE notification_id = \(notification) AND status = 'delivered'"
                ) == 1)
            #expect(engine.recorded(.twilio).count == 1)
        }
    }
}
