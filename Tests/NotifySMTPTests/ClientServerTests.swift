import Foundation
import NIOCore
import NotifyProviders
import NotifySMTP
import Testing

/// The client against the recording server, over real loopback sockets.
@Suite("SMTP client and recording server")
struct ClientServerTests {
    @Test("a plain session delivers the MIME message with envelope, queue id and no TLS")
    func plainDelivery() async throws {
        let server = try await Fixtures.startServer()
        let provider = try SMTPProvider(configuration: Fixtures.clientConfiguration(port: server.port!))
        let outcome = await provider.send(
            .email(Fixtures.email(id: "d-1")), timeout: .seconds(10), logger: Fixtures.logger)
        let message = try #require(await Fixtures.nextMessage(server))
        #expect(outcome == .accepted(providerMessageID: message.queueID))
        #expect(message.envelopeFrom == "bounces@notify.example")
        #expect(message.recipients == ["ada@example.net"])
        #expect(message.usedTLS == false)
        #expect(message.clientName == "client.test")
        #expect(message.text.contains("Message-ID: <d-1@notify.example>\r\n"))
        #expect(message.text.contains("Content-Type: multipart/alternative;"))
        await provider.shutdown()
        await server.stop()
    }

    @Test("STARTTLS with a self-signed certificate the client trusts, then AUTH inside TLS")
    func startTLS() async throws {
        let server = try await Fixtures.startServer(tls: true, credentials: ["app": "s3cret"])
        let provider = try SMTPProvider(
            configuration: Fixtures.clientConfiguration(
                port: server.port!, tls: .starttls, username: "app", password: "s3cret"))
        let outcome = await provider.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(outcome.providerMessageID != nil, "\(outcome)")
        let message = try #require(await Fixtures.nextMessage(server))
        #expect(message.usedTLS)
        #expect(message.authenticatedUser == "app")
        await provider.shutdown()
        await server.stop()
    }

    @Test("a certificate the client does not trust fails the send as transient, never as accepted")
    func untrustedCertificate() async throws {
        let server = try await Fixtures.startServer(tls: true)
        var configuration = Fixtures.clientConfiguration(port: server.port!, tls: .starttls)
        configuration.trustRootsPEM = try TestCertificate().certificatePEM
        let provider = try SMTPProvider(configuration: configuration)
        let outcome = await provider.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(outcome.failure?.kind == .transient)
        #expect(outcome.failure?.code == "smtp_tls_failed")
        #expect(server.statistics.messagesAccepted == 0)
        await provider.shutdown()
        await server.stop()
    }

    @Test(
        "AUTH PLAIN and LOGIN succeed; a wrong password is a configuration failure",
        arguments: [
            SMTPConfiguration.AuthMechanism.plain, .login,
        ])
    func authentication(mechanism: SMTPConfiguration.AuthMechanism) async throws {
        let server = try await Fixtures.startServer(tls: true, credentials: ["app": "s3cret"])
        let good = try SMTPProvider(
            configuration: Fixtures.clientConfiguration(
                port: server.port!, tls: .starttls, username: "app", password: "s3cret", mechanism: mechanism))
        let accepted = await good.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(accepted.providerMessageID != nil, "\(accepted)")
        #expect(await Fixtures.nextMessage(server)?.authenticatedUser == "app")

        let bad = try SMTPProvider(
            configuration: Fixtures.clientConfiguration(
                port: server.port!, tls: .starttls, username: "app", password: "wrong", mechanism: mechanism))
        let refused = await bad.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(refused.failure?.kind == .configuration)
        #expect(refused.failure?.code == "smtp_535")
        #expect(refused.failure?.recipientAction == ProviderFailure.RecipientAction.none)
        await good.shutdown()
        await bad.shutdown()
        await server.stop()
    }

    @Test("the configuration's description never shows the password")
    func descriptionHidesPassword() throws {
        let configuration = SMTPConfiguration(host: "smtp.example", username: "app", password: "hunter2-secret")
        #expect(!"\(configuration)".contains("hunter2"))
        #expect(!String(reflecting: configuration).contains("hunter2"))
        #expect("\(configuration)".contains("password: set"))
    }

    @Test("MAIL, RCPT and DATA arrive in one read when the server offers PIPELINING")
    func pipelining() async throws {
        let server = try await Fixtures.startServer()
        let provider = try SMTPProvider(configuration: Fixtures.clientConfiguration(port: server.port!))
        let outcome = await provider.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(outcome.providerMessageID != nil)
        #expect(server.statistics.largestCommandBatch >= 3)
        await provider.shutdown()
        await server.stop()
    }

    @Test("lines starting with a dot survive stuffing and unstuffing, including a lone dot")
    func dotStuffing() async throws {
        let server = try await Fixtures.startServer()
        let client = try SMTPClient(configuration: Fixtures.clientConfiguration(port: server.port!))
        let body = "Subject: dots\r\n\r\n.leading dot\r\n.\r\n..two dots\r\nend\r\n"
        _ = try await client.send(
            envelope: SMTPEnvelope(from: "a@b.test", recipients: ["c@d.test"]), message: Array(body.utf8),
            timeout: .seconds(10), logger: Fixtures.logger)
        let message = try #require(await Fixtures.nextMessage(server))
        #expect(message.text == body)
        await client.shutdown()
        await server.stop()
    }

    @Test("ten consecutive sends share one connection")
    func connectionReuse() async throws {
        let server = try await Fixtures.startServer()
        let provider = try SMTPProvider(configuration: Fixtures.clientConfiguration(port: server.port!))
        for index in 0..<10 {
            let outcome = await provider.send(
                .email(Fixtures.email(id: "reuse-\(index)")), timeout: .seconds(10), logger: Fixtures.logger)
            #expect(outcome.providerMessageID != nil, "\(outcome)")
        }
        #expect(server.statistics.connectionsAccepted == 1)
        #expect(server.statistics.messagesAccepted == 10)
        #expect(provider.client.connectionsOpened == 1)
        await provider.shutdown()
        await server.stop()
    }

    @Test("concurrent sends stay within maxConnections")
    func poolBound() async throws {
        let server = try await Fixtures.startServer()
        let provider = try SMTPProvider(
            configuration: Fixtures.clientConfiguration(port: server.port!, maxConnections: 2))
        let outcomes = await withTaskGroup(of: SendOutcome.self) { group in
            for index in 0..<12 {
                group.addTask {
                    await provider.send(
                        .email(Fixtures.email(id: "p-\(index)")), timeout: .seconds(10), logger: Fixtures.logger)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.allSatisfy { $0.providerMessageID != nil })
        #expect(server.statistics.connectionsAccepted <= 2)
        #expect(server.statistics.messagesAccepted == 12)
        await provider.shutdown()
        await server.stop()
    }

    @Test("550 5.1.1 at RCPT is permanent and suppresses the address; the session stays usable")
    func recipientRejected() async throws {
        let server = try await Fixtures.startServer(rules: [
            .reply("550 5.1.1 user unknown", for: .address("gone@example.net"))
        ])
        let provider = try SMTPProvider(configuration: Fixtures.clientConfiguration(port: server.port!))
        let outcome = await provider.send(
            .email(Fixtures.email(to: "gone@example.net")), timeout: .seconds(10), logger: Fixtures.logger)
        let failure = try #require(outcome.failure)
        #expect(failure.kind == .permanent)
        #expect(failure.recipientAction == .suppressAddress)
        #expect(failure.code == "smtp_550")
        #expect(!failure.message.contains("gone@"))
        let next = await provider.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(next.providerMessageID != nil)
        #expect(server.statistics.connectionsAccepted == 1)
        await provider.shutdown()
        await server.stop()
    }

    @Test("451 at RCPT is transient; rules change at runtime")
    func recipientDeferred() async throws {
        let server = try await Fixtures.startServer()
        let provider = try SMTPProvider(configuration: Fixtures.clientConfiguration(port: server.port!))
        server.setRules([.reply("451 4.3.0 try later", for: .domain("example.net"))])
        let deferred = await provider.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(deferred.failure?.kind == .transient)
        #expect(deferred.failure?.code == "smtp_451")
        #expect(deferred.failure?.recipientAction == ProviderFailure.RecipientAction.none)
        server.setRules([])
        let accepted = await provider.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(accepted.providerMessageID != nil)
        await provider.shutdown()
        await server.stop()
    }

    @Test("a 5.7.x rejection at the end of DATA is a configuration failure")
    func policyRejection() async throws {
        let server = try await Fixtures.startServer(rules: [
            .reply("550 5.7.26 unauthenticated mail is prohibited", for: .any, at: .endOfData)
        ])
        let provider = try SMTPProvider(configuration: Fixtures.clientConfiguration(port: server.port!))
        let outcome = await provider.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(outcome.failure?.kind == .configuration)
        #expect(outcome.failure?.recipientAction == ProviderFailure.RecipientAction.none)
        await provider.shutdown()
        await server.stop()
    }

    @Test("no answer to the final dot is an unknown outcome, reported within the deadline")
    func unansweredFinalDot() async throws {
        let server = try await Fixtures.startServer(rules: [
            SMTPFaultRule(match: .any, stage: .endOfData, action: .noReply)
        ])
        let provider = try SMTPProvider(configuration: Fixtures.clientConfiguration(port: server.port!))
        let clock = ContinuousClock()
        let started = clock.now
        let outcome = await provider.send(
            .email(Fixtures.email()), timeout: .milliseconds(800), logger: Fixtures.logger)
        let elapsed = clock.now - started
        #expect(outcome.failure?.kind == .unknownOutcome, "\(outcome)")
        #expect(elapsed < .seconds(5))
        await provider.shutdown()
        await server.stop()
    }

    @Test("a server that drops the connection before DATA is transient, not unknown")
    func disconnectAtRecipient() async throws {
        let server = try await Fixtures.startServer(rules: [
            SMTPFaultRule(match: .any, stage: .recipient, action: .disconnect)
        ])
        let provider = try SMTPProvider(configuration: Fixtures.clientConfiguration(port: server.port!))
        let outcome = await provider.send(.email(Fixtures.email()), timeout: .seconds(5), logger: Fixtures.logger)
        #expect(outcome.failure?.kind == .transient, "\(outcome)")
        await provider.shutdown()
        await server.stop()
    }

    @Test("nobody listening is a transient connect failure")
    func connectionRefused() async throws {
        let server = try await Fixtures.startServer()
        let port = server.port!
        await server.stop()
        let provider = try SMTPProvider(configuration: Fixtures.clientConfiguration(port: port))
        let outcome = await provider.send(.email(Fixtures.email()), timeout: .seconds(5), logger: Fixtures.logger)
        #expect(outcome.failure?.kind == .transient)
        #expect(outcome.failure?.code == "smtp_connect_failed")
        await provider.shutdown()
    }

    @Test("replies slowed by the fault delay still come in order and the send succeeds")
    func replyDelay() async throws {
        let server = try await Fixtures.startServer()
        server.setReplyDelay(.milliseconds(20))
        let provider = try SMTPProvider(configuration: Fixtures.clientConfiguration(port: server.port!))
        let outcome = await provider.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(outcome.providerMessageID != nil, "\(outcome)")
        await provider.shutdown()
        await server.stop()
    }

    @Test("a slow reply past the reply timeout is a timeout, not a hang")
    func replyTimeout() async throws {
        let server = try await Fixtures.startServer()
        server.setReplyDelay(.seconds(3))
        let provider = try SMTPProvider(
            configuration: Fixtures.clientConfiguration(port: server.port!, replyTimeout: 0.3))
        let outcome = await provider.send(.email(Fixtures.email()), timeout: .seconds(10), logger: Fixtures.logger)
        #expect(outcome.failure?.kind == .transient)
        #expect(outcome.failure?.code == "network_timeout")
        await provider.shutdown()
        await server.stop()
    }
}
