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
        configuration.idleTimeoutSeconds = 0.2
        let provider = try SMTPProvider(configuration: configuration)
        _ = await provider.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(server.statistics.openConnections == 1)
        #expect(await Self.eventually { server.statistics.openConnections == 0 })
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

@Suite("SMTP envelopes with several recipients")
struct RecipientTests {
    @Test("one refused recipient among three: the others get the message", arguments: [true, false])
    func partialRefusal(pipelining: Bool) async throws {
        let server = SMTPServer(configuration: SMTPServerConfiguration(pipelining: pipelining), logger: Fixtures.logger)
        server.setRules([.reply("550 5.1.1 user unknown", for: .address("b@x.test"))])
        try await server.start()
        let client = try SMTPClient(configuration: Fixtures.clientConfiguration(port: server.port!))
        let receipt = try await client.send(
            envelope: SMTPEnvelope(from: "s@x.test", recipients: ["a@x.test", "b@x.test", "c@x.test"]),
            message: Array("Subject: hi\r\n\r\nbody\r\n".utf8), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(receipt.rejectedRecipients.keys.sorted() == ["b@x.test"])
        #expect(receipt.rejectedRecipients["b@x.test"]?.enhancedCode == "5.1.1")
        let message = try #require(await Fixtures.nextMessage(server))
        #expect(message.recipients == ["a@x.test", "c@x.test"])
        #expect((server.statistics.largestCommandBatch > 1) == pipelining)

        server.setRules([.reply("550 5.1.1 user unknown", for: .any)])
        await #expect {
            try await client.send(
                envelope: SMTPEnvelope(from: "s@x.test", recipients: ["a@x.test", "c@x.test"]),
                message: Array("Subject: hi\r\n\r\nbody\r\n".utf8), timeout: .seconds(10), logger: Fixtures.logger)
        } throws: { error in
            (error as? SMTPClientError)?.stage == .rcptTo && (error as? SMTPClientError)?.reply?.code == 550
        }
        server.setRules([])
        let after = try await client.send(
            envelope: SMTPEnvelope(from: "s@x.test", recipients: ["a@x.test"]),
            message: Array("Subject: again\r\n\r\nbody\r\n".utf8), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(after.reusedConnection)
        #expect(server.statistics.connectionsAccepted == 1)
        await client.shutdown()
        await server.stop()
    }
}

@Suite("SMTP cancellation")
struct CancellationTests {
    @Test("cancelling a send that waits on a silent server ends it at once, not at the deadline")
    func cancelWhileWaiting() async throws {
        let server = try await Fixtures.startServer()
        server.setReplyDelay(.seconds(60))
        let provider = try SMTPProvider(
            configuration: Fixtures.clientConfiguration(port: server.port!, replyTimeout: 60))
        let clock = ContinuousClock()
        let task = Task {
            await provider.send(.email(Fixtures.email()), timeout: .seconds(60), logger: Fixtures.logger)
        }
        #expect(await PoolAndLifecycleTests.eventually { server.statistics.openConnections == 1 })
        let cancelledAt = clock.now
        task.cancel()
        let outcome = await task.value
        #expect(clock.now - cancelledAt < .seconds(5))
        #expect(outcome.failure?.kind == .transient, "\(outcome)")
        await provider.shutdown()
        await server.stop()
    }
}

@Suite("SMTP outcome after the final dot")
struct FinalDotTests {
    @Test("a disconnect after the final dot is an unknown outcome; a 451 there is transient")
    func afterFinalDot() async throws {
        let server = try await Fixtures.startServer(rules: [
            SMTPFaultRule(match: .address("cut@example.net"), stage: .endOfData, action: .disconnect),
            .reply("451 4.3.0 queue full", for: .address("busy@example.net"), at: .endOfData),
        ])
        let provider = try SMTPProvider(configuration: Fixtures.clientConfiguration(port: server.port!))
        let cut = await provider.send(
            .email(Fixtures.email(to: "cut@example.net")), timeout: .seconds(5), logger: Fixtures.logger)
        #expect(cut.failure?.kind == .unknownOutcome, "\(cut)")
        #expect(cut.failure?.code == "network_closed")
        let busy = await provider.send(
            .email(Fixtures.email(to: "busy@example.net")), timeout: .seconds(5), logger: Fixtures.logger)
        #expect(busy.failure?.kind == .transient, "\(busy)")
        #expect(busy.failure?.code == "smtp_451")
        #expect(server.statistics.messagesAccepted == 0)
        await provider.shutdown()
        await server.stop()
    }
}
