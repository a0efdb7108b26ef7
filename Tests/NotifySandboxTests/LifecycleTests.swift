import Foundation
import Logging
import NotifyProviders
import NotifySandbox
import ServiceLifecycle
import Testing

@Suite("Lifecycle")
struct LifecycleTests {
    /// A held request and callbacks stuck in retries must not keep the sandbox alive on shutdown.
    @Test func shutdownEndsHeldRequestsAndPendingCallbacks() async throws {
        try await CallbackReceiver.run(refuseFirst: 1_000) { receiver in
            let configuration = SandboxConfiguration(
                callbackBaseURL: receiver.baseURL, callbackDelay: .milliseconds(1), callbackRetryBase: .seconds(60))
            let sandbox = try ProviderSandbox(configuration: configuration, logger: SandboxHarness.logger)
            let group = ServiceGroup(services: [sandbox], logger: SandboxHarness.logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let endpoints = try await sandbox.endpoints()
                let harness = SandboxHarness(sandbox: sandbox, endpoints: endpoints)
                _ = try await harness.control(
                    .POST, "/sandbox/inbound", body: #"{"from": "+14155550100", "to": "+15005550006", "body": "START"}"#
                )
                try await eventually { !receiver.requests("/webhooks/twilio").isEmpty }
                sandbox.setFaults(FaultSettings(timeout: .init(rate: 1, holdMs: 600_000)), for: .sendgrid)
                tasks.addTask {
                    _ = try? await harness.post("/v3/mail/send", body: "{}", timeout: .seconds(600))
                }
                try await eventually { sandbox.recorder.counts()[.sendgrid]?.received == 1 }
                let clock = ContinuousClock()
                let elapsed = try await clock.measure {
                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                }
                #expect(elapsed < .seconds(30))
                #expect(sandbox.recorder.counts()[.sendgrid]?.failed == 1)
            }
        }
    }

    /// Shutting down before the listeners are up ends the service, and waiters learn it stopped.
    @Test(.timeLimit(.minutes(1))) func shutdownBeforeListening() async throws {
        let sandbox = try ProviderSandbox(logger: SandboxHarness.logger)
        let group = ServiceGroup(services: [sandbox], logger: SandboxHarness.logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let endpoints = try? await sandbox.endpoints()
        #expect(endpoints == nil || endpoints?.port ?? 0 > 0)
    }
}
