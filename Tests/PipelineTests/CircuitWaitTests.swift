import Foundation
import NotifySandbox
import NotifyTestSupport
import PostgresNIO
import Testing

/// A delivery whose every provider is skipped for an open circuit is retried no sooner than the
/// circuit may be tried again: its attempts are not spent within one open window without a request.
@Suite("Retries wait for an open circuit")
struct CircuitWaitTests {
    @Test("with its only provider's circuit open, a passcode's retry waits for the circuit, then it is sent")
    func retryWaitsForTheCircuit() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant(smsRoute: ["sbx-twilio"])
            // Open long enough that the passcode reaches its sender inside the window on a slow machine.
            let openUntil = try #require(
                try await engine.runtime.rows(
                    """
                    INSERT INTO notify.provider_circuits (account_id, state, open_until)
                    VALUES ('sbx-twilio', 'open', now() + interval '5 seconds')
                    ON CONFLICT (account_id) DO UPDATE SET state = 'open', open_until = excluded.open_until
                    RETURNING open_until
                    """
                ).first?.decode(Date.self))
            let id = try await engine.notify(
                tenant, ["category": "otp", "to": ["user": "ada"], "data": ["code": "909"]])
            let view = try await engine.waitFor(tenant, id, channel: "sms", status: "delivered", timeout: .seconds(30))
            let retries = (view["timeline"] as? [[String: Any]] ?? []).filter {
                $0["kind"] as? String == "retry_scheduled"
            }
            let details = retries.compactMap { $0["detail"] as? [String: Any] }
            #expect(details.count == 1, "one retry, not one per backoff step inside the open window: \(details)")
            #expect(details.first?["reason"] as? String == "circuit_open")
            let wait = Int(details.first?["in_ms"] as? String ?? "") ?? (details.first?["in_ms"] as? Int ?? 0)
            // The retry is due no sooner than the circuit may be tried again, however long the
            // pipeline took to reach the sender (the event is written after the wait is chosen).
            let scheduledAt = try #require(
                (retries.first?["at"] as? String).flatMap {
                    try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse($0)
                })
            let due = scheduledAt.addingTimeInterval(Double(wait) / 1000)
            #expect(due >= openUntil, "the retry waited for the circuit: due \(due), circuit open until \(openUntil)")
            #expect(
                due <= openUntil.addingTimeInterval(3), "the retry waited for the circuit, not longer: \(wait) ms")
            #expect((100...5_200).contains(wait), "the retry waited for the circuit: \(wait) ms")
            #expect(engine.recorded(.twilio).count == 1)
        }
    }
}
