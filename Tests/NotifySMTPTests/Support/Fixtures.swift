import Foundation
import Logging
import NIOSSL
import NotifyProviders
import NotifySMTP

/// Shared builders for the SMTP tests.
enum Fixtures {
    static let logger: Logger = {
        var logger = Logger(label: "notify.smtp.tests")
        logger.logLevel = .critical
        return logger
    }()

    /// One test certificate for the whole run (key generation is cheap, but one is enough).
    static let certificate: TestCertificate = try! TestCertificate()

    static func email(
        id: String = UUID().uuidString, to: String = "ada@example.net", subject: String = "Hello",
        text: String? = "Plain body", html: String? = "<p>HTML body</p>", headers: [EmailHeader] = []
    ) -> EmailMessage {
        EmailMessage(
            deliveryID: id, from: EmailAddress("bounces@notify.example", name: "Notify"),
            to: EmailAddress(to, name: "Ada"), subject: subject, html: html, text: text, headers: headers)
    }

    /// A started server; stop it with `defer`-free `await server.stop()` at the end of the test.
    static func startServer(
        tls: Bool = false, credentials: [String: String] = [:], rules: [SMTPFaultRule] = []
    ) async throws -> SMTPServer {
        let configuration = SMTPServerConfiguration(
            tlsContext: tls ? try certificate.serverContext() : nil, credentials: credentials)
        let server = SMTPServer(configuration: configuration, logger: logger)
        server.setRules(rules)
        try await server.start()
        return server
    }

    static func clientConfiguration(
        port: Int, tls: SMTPConfiguration.TLSMode = .none, username: String? = nil, password: String? = nil,
        mechanism: SMTPConfiguration.AuthMechanism? = nil, maxConnections: Int = 2, replyTimeout: Double = 10
    ) -> SMTPConfiguration {
        SMTPConfiguration(
            host: "127.0.0.1", port: port, tls: tls, username: username, password: password,
            authMechanism: mechanism, trustRootsPEM: tls == .none ? nil : certificate.certificatePEM,
            tlsServerName: "localhost", ehloName: "client.test", maxConnections: maxConnections,
            replyTimeoutSeconds: replyTimeout)
    }

    /// The next recorded message, or nil after `timeout`.
    static func nextMessage(_ server: SMTPServer, timeout: Duration = .seconds(5)) async -> SMTPRecordedMessage? {
        let messages = server.messages
        return await withDeadline(timeout) {
            var iterator = messages.makeAsyncIterator()
            return await iterator.next()
        } ?? nil
    }
}

extension SendOutcome {
    var failure: ProviderFailure? {
        if case .failed(let failure) = self { return failure }
        return nil
    }

    var providerMessageID: String? {
        if case .accepted(let id) = self { return id }
        return nil
    }
}
