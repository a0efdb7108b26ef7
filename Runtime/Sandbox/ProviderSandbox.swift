import Hummingbird
import HummingbirdHTTP2
import HummingbirdTLS
import Logging
import NIOCore
import NotifyProviders
import ServiceLifecycle

/// A loopback server that speaks Twilio, Vonage, SendGrid, FCM and APNs as the real providers
/// do, records what it receives, injects faults, and posts signed callbacks to the engine.
///
/// Run it in a `ServiceGroup` (or call `run()` in a task), then `await endpoints()` for its
/// URLs. Graceful shutdown ends both listeners, held requests and pending callbacks.
public final class ProviderSandbox: Service, Sendable {
    let core: SandboxCore

    /// Generates credentials and the CA; nothing listens until `run()`.
    public init(configuration: SandboxConfiguration = SandboxConfiguration(), logger: Logger) throws {
        self.core = try SandboxCore(configuration: configuration, logger: logger)
    }

    /// The accounts and keys the simulators accept.
    public var credentials: SandboxCredentials { core.credentials }
    /// The CA that issued the APNs listener's certificate.
    public var certificateAuthority: CertificateAuthority { core.authority }
    /// What the simulators received.
    public var recorder: MessageRecorder { core.recorder }

    /// Changes a provider's fault switches at runtime.
    public func setFaults(_ settings: FaultSettings, for provider: ProviderKind) {
        core.faults.set(settings, for: provider)
    }

    /// A provider's current fault switches.
    public func faults(for provider: ProviderKind) -> FaultSettings {
        core.faults.settings(for: provider)
    }

    /// How callback deliveries went so far (`GET /sandbox/callbacks`).
    public var callbackCounts: CallbackCounts { core.callbacks.deliveryCounts }

    /// Waits until both listeners are up and returns their URLs.
    public func endpoints() async throws -> SandboxEndpoints {
        guard let waited = await core.endpoints.wait(), let endpoints = waited else {
            throw SandboxError(.notRunning, "the sandbox stopped (or the wait was cancelled) before it listened")
        }
        return endpoints
    }

    /// The credentials document (`GET /sandbox/credentials`), once running.
    public func credentialsDocument() async throws -> SandboxCredentialsDocument {
        SandboxCredentialsDocument(
            credentials: core.credentials, endpoints: try await endpoints(), caPEM: core.authority.caPEM,
            apnsTopic: core.configuration.apnsTopic)
    }

    /// Serves until graceful shutdown or cancellation.
    public func run() async throws {
        let ports = PortLatches()
        let http = Application(
            router: httpRouter(),
            configuration: .init(
                address: .hostname(core.configuration.host, port: core.configuration.port),
                serverName: "notify-sandbox",
                backlog: 1024),
            onServerRunning: { channel in ports.http.resolve(channel.localAddress?.port) },
            logger: core.logger)
        let apns = Application(
            router: apnsRouter(),
            server: try .tls(.plaintextHTTP2(), tlsConfiguration: core.authority.serverTLSConfiguration()),
            configuration: .init(
                address: .hostname(core.configuration.host, port: core.configuration.apnsPort),
                serverName: "notify-sandbox-apns", backlog: 1024),
            onServerRunning: { channel in ports.apns.resolve(channel.localAddress?.port) },
            logger: core.logger)
        let core = self.core
        defer { core.endpoints.resolve(nil) }
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await http.run() }
                group.addTask { try await apns.run() }
                group.addTask { await core.callbacks.run(sendGridFlush: { await core.flushSendGridEvents() }) }
                if let smtpPort = core.configuration.smtpPort {
                    let smtp = SMTPRecording(
                        port: smtpPort, host: core.configuration.host, recorder: core.recorder, logger: core.logger)
                    group.addTask { try await smtp.server.run() }
                    group.addTask { await smtp.record() }
                }
                group.addTask {
                    guard let port = await ports.http.wait() ?? nil, let apnsPort = await ports.apns.wait() ?? nil
                    else {
                        return
                    }
                    let host = core.configuration.host
                    core.endpoints.resolve(
                        SandboxEndpoints(
                            baseURL: "http://\(host):\(port)", apnsURL: "https://\(host):\(apnsPort)", port: port,
                            apnsPort: apnsPort))
                    core.logger.info(
                        "provider sandbox listening",
                        metadata: ["sandbox.http.port": "\(port)", "sandbox.apns.port": "\(apnsPort)"])
                }
            }
        } onGracefulShutdown: {
            ports.http.resolve(nil)  // a shutdown before both listeners ran must not leave the waiter behind
            ports.apns.resolve(nil)
            core.shutdown.resolve(())
            core.callbacks.finish()
        }
    }

    private func httpRouter() -> Router<SandboxRequestContext> {
        let router = Router(context: SandboxRequestContext.self)
        TwilioSimulator(core: core).addRoutes(to: router)
        VonageSimulator(core: core).addRoutes(to: router)
        SendGridSimulator(core: core).addRoutes(to: router)
        FCMSimulator(core: core).addRoutes(to: router)
        WebhookReceiver(core: core).addRoutes(to: router)
        ControlRoutes(core: core).addRoutes(to: router)
        return router
    }

    private func apnsRouter() -> Router<SandboxRequestContext> {
        let router = Router(context: SandboxRequestContext.self)
        APNsSimulator(core: core).addRoutes(to: router)
        return router
    }
}

/// The bound ports, reported by the listeners once running; nil when shut down before that.
private struct PortLatches: Sendable {
    let http = Latch<Int?>()
    let apns = Latch<Int?>()
}

extension SandboxCore {
    /// Posts the pending SendGrid events as one signed batch (twice, now and then, when duplicates are on).
    func flushSendGridEvents() async {
        guard let url = callbackURL(.sendgrid) else { return }
        while let body = callbacks.sendGridBatch.drain() {
            let request = SendGridEvents.request(body: body, url: url, credentials: credentials)
            var requests = [request]
            if Double.random(in: 0..<1) < configuration.sendGridDuplicateRate { requests.append(request) }
            callbacks.enqueue(CallbackJob(requests: requests))
        }
    }
}
