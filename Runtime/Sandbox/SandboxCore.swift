import Logging
import NotifyProviders

/// The state every simulator shares: credentials, recorder, faults, callbacks and lifecycle.
final class SandboxCore: Sendable {
    let configuration: SandboxConfiguration
    let credentials: SandboxCredentials
    let authority: CertificateAuthority
    let recorder: MessageRecorder
    let faults: FaultInjector
    let callbacks: CallbackDispatcher
    /// Set once both listeners are up; `nil` when the sandbox stopped before that.
    let endpoints = Latch<SandboxEndpoints?>()

    /// The endpoints, when running.
    var runningEndpoints: SandboxEndpoints? { endpoints.value ?? nil }
    let shutdown = Latch<Void>()
    let logger: Logger

    init(configuration: SandboxConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.credentials = try configuration.credentials ?? SandboxCredentials.generate()
        self.authority = try CertificateAuthority()
        self.recorder = MessageRecorder(capacity: configuration.messageCapacity)
        self.faults = FaultInjector(configuration.faults)
        self.callbacks = CallbackDispatcher(configuration: configuration, logger: logger)
        self.logger = logger
    }

    /// The engine URL a provider's callbacks go to when a message names none.
    func callbackURL(_ provider: ProviderKind) -> String? {
        if let url = configuration.callbackURLs[provider] { return url }
        guard var base = configuration.callbackBaseURL else { return nil }
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/webhooks/" + provider.rawValue
    }

    /// Records an answered request whose arrival `applyFaults` already counted.
    func record(_ message: RecordedMessage) {
        recorder.record(message, countReceived: false)
    }

    /// Sleeps without blocking a thread; ends early when the sandbox shuts down or the task is cancelled.
    func pause(_ duration: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: duration) }
            group.addTask { _ = await self.shutdown.wait() }
            await group.next()
            group.cancelAll()
        }
    }
}
