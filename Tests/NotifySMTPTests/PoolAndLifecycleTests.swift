import Foundation
import Logging
import NotifyProviders
import NotifySMTP
import ServiceLifecycle
import Testing

@Suite("SMTP pool and server lifecycle")
struct PoolAndLifecycleTests {
    /// Polls `condition` until it holds or `timeout` passes.
    static func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    @Test("a session retires after maxMessagesPerConnection messages")
    func retiresSessions() async throws {
        let server = try await Fixtures.startServer()
        var configuration = Fixtures.clientConfiguration(port: server.port!)
        configuration.maxMessagesPerConnection = 3
        let provider = try SMTPProvider(configuration: configuration)
        for _ in 0..<7 {
            let outcome = await provider.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
            #expect(outcome.providerMessageID != nil)
        }
        #expect(server.statistics.connectionsAccepted == 3)
        await provider.shutdown()
        await server.stop()
    }

    @Test("an idle session closes (with QUIT) after the idle timeout")
    func idleTimeout() async throws {
        let server = try await Fixtures.startServer()
        var configuration = Fixtures.clientConfiguration(port: server.port!)
        // Long enough that the session is still open when looked at just after the send on a slow
        // machine; short enough that the wait for it to close stays within the poll's limit.
        configuration.idleTimeoutSeconds = 1
        let provider = try SMTPProvider(configuration: configuration)
        _ = await provider.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(server.statistics.openConnections == 1)
        #expect(await Self.eventually(timeout: .seconds(10)) { server.statistics.openConnections == 0 })
        let again = await provider.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(again.providerMessageID != nil)
        #expect(server.statistics.connectionsAccepted == 2)
        await provider.shutdown()
        await server.stop()
    }

    @Test("a session the server dropped while idle is replaced without failing the send")
    func staleSession() async throws {
        let server = try await Fixtures.startServer()
        let provider = try SMTPProvider(configuration: Fixtures.clientConfiguration(port: server.port!))
        _ = await provider.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
        await server.dropConnections()
        let outcome = await provider.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(outcome.providerMessageID != nil, "\(outcome)")
        #expect(server.statistics.connectionsAccepted == 2)
        await provider.shutdown()
        await server.stop()
    }

    @Test("a message over the server's SIZE limit is refused permanently without suppressing the address")
    func sizeLimit() async throws {
        let configuration = SMTPServerConfiguration(maximumMessageSize: 2_000)
        let server = SMTPServer(configuration: configuration, logger: Fixtures.logger)
        try await server.start()
        let provider = try SMTPProvider(configuration: Fixtures.clientConfiguration(port: server.port!))
        let big = String(repeating: "0123456789 ", count: 400)
        let outcome = await provider.send(
            .email(Fixtures.email(text: big)), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(outcome.failure?.kind == .permanent)
        #expect(outcome.failure?.code == "smtp_message_too_large")
        #expect(server.statistics.messagesAccepted == 0)
        #expect(outcome.failure?.recipientAction == ProviderFailure.RecipientAction.none)
        await provider.shutdown()
        await server.stop()
    }

    @Test("implicit TLS (port 465 style) end to end")
    func implicitTLS() async throws {
        let configuration = SMTPServerConfiguration(
            tlsContext: try Fixtures.certificate.serverContext(), implicitTLS: true, credentials: ["app": "pw"])
        let server = SMTPServer(configuration: configuration, logger: Fixtures.logger)
        try await server.start()
        let provider = try SMTPProvider(
            configuration: Fixtures.clientConfiguration(
                port: server.port!, tls: .implicit, username: "app", password: "pw"))
        let outcome = await provider.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(outcome.providerMessageID != nil, "\(outcome)")
        let message = try #require(await Fixtures.nextMessage(server))
        #expect(message.usedTLS && message.authenticatedUser == "app")
        await provider.shutdown()
        await server.stop()
    }

    @Test("STARTTLS required but not offered is a configuration failure")
    func startTLSMissing() async throws {
        let server = try await Fixtures.startServer()
        let provider = try SMTPProvider(configuration: Fixtures.clientConfiguration(port: server.port!, tls: .starttls))
        let outcome = await provider.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(outcome.failure?.kind == .configuration)
        #expect(outcome.failure?.code == "smtp_starttls_unavailable")
        await provider.shutdown()
        await server.stop()
    }

    @Test("the server runs in a ServiceGroup and stops on graceful shutdown")
    func serviceLifecycle() async throws {
        let server = SMTPServer(logger: Fixtures.logger)
        let group = ServiceGroup(configuration: .init(services: [server], logger: Fixtures.logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(await Self.eventually { server.port != nil })
            let provider = try SMTPProvider(configuration: Fixtures.clientConfiguration(port: server.port!))
            let outcome = await provider.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
            #expect(outcome.providerMessageID != nil)
            await provider.shutdown()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(server.port == nil)
        var received = 0
        for await _ in server.messages { received += 1 }
        #expect(received == 1)
    }

    @Test("the health check opens a session and answers NOOP")
    func healthCheck() async throws {
        let server = try await Fixtures.startServer()
        let client = try SMTPClient(configuration: Fixtures.clientConfiguration(port: server.port!))
        try await client.checkHealth(timeout: .seconds(5), logger: Fixtures.logger)
        #expect(server.statistics.connectionsAccepted == 1)
        await client.shutdown()
        await server.stop()
    }
}
