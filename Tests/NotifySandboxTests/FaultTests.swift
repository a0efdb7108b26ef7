import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NotifyProviders
import NotifySandbox
import Testing

@Suite("Fault switches")
struct FaultTests {
    func sendGrid(
        _ harness: SandboxHarness, timeout: TimeAmount = .seconds(10)
    ) async throws -> (
        status: Int, headers: HTTPHeaders, body: String
    ) {
        try await harness.post(
            "/v3/mail/send", body: EmailTests.mail(to: "ada@example.com"),
            headers: [("Authorization", "Bearer " + harness.credentials.sendGridAPIKey)], timeout: timeout)
    }

    @Test func errorRateUsesTheProvidersErrors() async throws {
        try await SandboxHarness.run { harness in
            let put = try await harness.control(
                .PUT, "/sandbox/faults/fcm", body: #"{"error_rate": 1, "error_status": 503}"#)
            #expect(put.status == 200)
            let answer = try await harness.post("/v1/projects/x/messages:send", body: "{}")
            #expect(answer.status == 503)
            let details = (json(answer.body)["error"] as? [String: Any])?["details"] as? [[String: Any]]
            #expect(details?.first?["errorCode"] as? String == "UNAVAILABLE")
            #expect(try await harness.counts("fcm")["failed"] == 1)
        }
    }

    @Test func rateLimitEveryNthWithRetryAfter() async throws {
        try await SandboxHarness.run { harness in
            _ = try await harness.control(
                .PUT, "/sandbox/faults/sendgrid", body: #"{"rate_limit": {"every_nth": 2, "retry_after_seconds": 7}}"#)
            let first = try await sendGrid(harness)
            let second = try await sendGrid(harness)
            #expect(first.status == 202)
            #expect(second.status == 429)
            #expect(second.headers.first(name: "Retry-After") == "7")
            #expect(second.body.contains("too many requests"))
        }
    }

    @Test func outageAnswers503OrClosesTheConnection() async throws {
        let faults: [ProviderKind: FaultSettings] = [.sendgrid: FaultSettings(outage: .init(mode: .unavailable))]
        try await SandboxHarness.run(SandboxConfiguration(faults: faults)) { harness in
            #expect(try await sendGrid(harness).status == 503)
            harness.sandbox.setFaults(FaultSettings(outage: .init(mode: .close)), for: .sendgrid)
            await #expect(throws: (any Error).self) { _ = try await sendGrid(harness) }
            _ = try await harness.control(.PUT, "/sandbox/faults/sendgrid", body: "{}")
            #expect(try await sendGrid(harness).status == 202)
        }
    }

    @Test func latencyDelaysAnswers() async throws {
        try await SandboxHarness.run { harness in
            harness.sandbox.setFaults(FaultSettings(latency: .init(minMs: 200, maxMs: 200)), for: .sendgrid)
            let clock = ContinuousClock()
            let elapsed = try await clock.measure {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<50 { group.addTask { try await sendGrid(harness).status } }
                    for try await status in group { #expect(status == 202) }
                }
            }
            #expect(elapsed >= .milliseconds(200))
        }
    }

    @Test func timeoutHoldsLongerThanTheClientWaits() async throws {
        try await SandboxHarness.run { harness in
            harness.sandbox.setFaults(FaultSettings(timeout: .init(rate: 1, holdMs: 60_000)), for: .sendgrid)
            await #expect(throws: HTTPClientError.deadlineExceeded) {
                _ = try await sendGrid(harness, timeout: .milliseconds(300))
            }
        }
    }

    @Test func faultsFileShape() throws {
        let data = Data(
            #"{"twilio": {"latency": {"fixed_ms": 200}, "error_rate": 0.1}, "apns": {"outage": {"mode": "close"}}}"#
                .utf8)
        let faults = try SandboxConfiguration.faults(fromJSON: data)
        #expect(faults[.twilio]?.latency == .init(minMs: 200, maxMs: 200))
        #expect(faults[.twilio]?.errorRate == 0.1)
        #expect(faults[.apns]?.outage?.mode == .close)
        #expect(throws: SandboxError.self) { try SandboxConfiguration.faults(fromJSON: Data(#"{"pigeon": {}}"#.utf8)) }
    }
}
