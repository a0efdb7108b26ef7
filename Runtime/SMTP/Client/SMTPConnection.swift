import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// One SMTP session past greeting, EHLO, STARTTLS and AUTH, ready for mail transactions.
///
/// A connection is used by one send at a time (the pool leases it out); its counters sit behind
/// a mutex only so the pool can read them from any thread.
final class SMTPConnection: Sendable {
    let channel: any Channel
    let capabilities: SMTPCapabilities
    let usedTLS: Bool
    private let handler: NIOLoopBound<SMTPClientHandler>
    private let state = Mutex(State())

    private struct State {
        var messagesSent = 0
        var transactionsStarted = 0
        var broken = false
    }

    private init(
        channel: any Channel, handler: NIOLoopBound<SMTPClientHandler>, capabilities: SMTPCapabilities, usedTLS: Bool
    ) {
        self.channel = channel
        self.handler = handler
        self.capabilities = capabilities
        self.usedTLS = usedTLS
    }

    /// Messages accepted on this session so far.
    var messagesSent: Int { state.withLock { $0.messagesSent } }

    /// Whether the session can carry another transaction.
    var isUsable: Bool { channel.isActive && !state.withLock { $0.broken } }

    /// Opens a TCP (or TLS) connection and runs greeting, EHLO, STARTTLS and AUTH.
    static func open(
        configuration: SMTPConfiguration, tlsContext: NIOSSLContext?, group: any EventLoopGroup,
        deadline: NIODeadline
    ) async throws -> SMTPConnection {
        let serverName = configuration.tlsServerName ?? (configuration.host.isIPAddress ? nil : configuration.host)
        let implicitTLS = configuration.tls == .implicit ? tlsContext : nil
        let remaining = deadline - .now()
        let connectTimeout = min(remaining, .milliseconds(Int64(configuration.connectTimeoutSeconds * 1000)))
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(max(connectTimeout, .milliseconds(1)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let implicitTLS {
                        try sync.addHandler(NIOSSLClientHandler(context: implicitTLS, serverHostname: serverName))
                    }
                    try sync.addHandler(ByteToMessageHandler(SMTPLineDecoder()))
                    try sync.addHandler(SMTPClientHandler(eventLoop: channel.eventLoop))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
        } catch {
            throw SMTPClientError(
                code: .connectFailed, stage: .connect,
                message: "Could not connect to the SMTP server (\(type(of: error))); check host, port and firewall.")
        }
        do {
            let handler = try await channel.eventLoop.submit {
                NIOLoopBound(
                    try channel.pipeline.syncOperations.handler(type: SMTPClientHandler.self),
                    eventLoop: channel.eventLoop)
            }.get()
            let (capabilities, usedTLS) = try await handshake(
                channel: channel, handler: handler, configuration: configuration, tlsContext: tlsContext,
                serverName: serverName, deadline: deadline)
            return SMTPConnection(channel: channel, handler: handler, capabilities: capabilities, usedTLS: usedTLS)
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    private static func handshake(
        channel: any Channel, handler: NIOLoopBound<SMTPClientHandler>, configuration: SMTPConfiguration,
        tlsContext: NIOSSLContext?, serverName: String?, deadline: NIODeadline
    ) async throws -> (SMTPCapabilities, Bool) {
        let replyTimeout = TimeAmount.milliseconds(Int64(configuration.replyTimeoutSeconds * 1000))
        func exchange(_ command: SMTPCommand?, stage: SMTPClientError.Stage) async throws -> SMTPReply {
            let payload = command.map { ByteBuffer(string: $0.wireFormat) }
            return try await Self.exchange(
                channel: channel, handler: handler, payload: payload, expecting: 1,
                deadline: min(deadline, .now() + replyTimeout), stage: stage)[0]
        }
        let greeting = try await exchange(nil, stage: .greeting)
        guard greeting.code == 220 else { throw SMTPClientError.rejected(greeting, at: .greeting) }
        var usedTLS = configuration.tls == .implicit
        var ehlo = try await exchange(.ehlo(configuration.ehloName), stage: .ehlo)
        guard ehlo.code == 250 else { throw SMTPClientError.rejected(ehlo, at: .ehlo) }
        var capabilities = SMTPCapabilities(ehloReply: ehlo)
        if configuration.tls == .starttls, let tlsContext {
            guard capabilities.startTLS else {
                throw SMTPClientError(
                    code: .startTLSUnavailable, stage: .startTLS,
                    message: "The server does not offer STARTTLS; use tls \"implicit\" or a relay that supports TLS.")
            }
            let ready = try await exchange(.startTLS, stage: .startTLS)
            guard ready.code == 220 else { throw SMTPClientError.rejected(ready, at: .startTLS) }
            do {
                try await channel.eventLoop.submit {
                    guard !handler.value.hasUnclaimedReplies else {
                        throw SMTPTransportError.tls("clear-text replies were injected after STARTTLS")
                    }
                    let tls = try NIOSSLClientHandler(context: tlsContext, serverHostname: serverName)
                    try channel.pipeline.syncOperations.addHandler(tls, position: .first)
                }.get()
            } catch {
                throw SMTPTransportError.tls(String(describing: error)).at(.startTLS)
            }
            usedTLS = true
            ehlo = try await exchange(.ehlo(configuration.ehloName), stage: .ehlo)
            guard ehlo.code == 250 else { throw SMTPClientError.rejected(ehlo, at: .ehlo) }
            capabilities = SMTPCapabilities(ehloReply: ehlo)
        }
        if let username = configuration.username, let password = configuration.password {
            try await authenticate(
                username: username, password: password, capabilities: capabilities,
                preferred: configuration.authMechanism, exchange: exchange)
        }
        return (capabilities, usedTLS)
    }

    private static func authenticate(
        username: String, password: String, capabilities: SMTPCapabilities,
        preferred: SMTPConfiguration.AuthMechanism?,
        exchange: (SMTPCommand?, SMTPClientError.Stage) async throws -> SMTPReply
    ) async throws {
        let offered = capabilities.authMechanisms
        let mechanism: SMTPConfiguration.AuthMechanism
        if let preferred, offered.contains(preferred.rawValue.uppercased()) {
            mechanism = preferred
        } else if preferred == nil, offered.contains("PLAIN") {
            mechanism = .plain
        } else if preferred == nil, offered.contains("LOGIN") {
            mechanism = .login
        } else {
            throw SMTPClientError(
                code: .authUnavailable, stage: .auth,
                message: "The server offers no usable AUTH mechanism (PLAIN or LOGIN); check tls and authMechanism.")
        }
        let base64 = { (text: String) in Data(text.utf8).base64EncodedString() }
        var reply: SMTPReply
        switch mechanism {
        case .plain:
            reply = try await exchange(
                .auth(mechanism: "PLAIN", initialResponse: base64("\0\(username)\0\(password)")), .auth)
        case .login:
            reply = try await exchange(.auth(mechanism: "LOGIN", initialResponse: nil), .auth)
            if reply.code == 334 { reply = try await exchange(.unknown(verb: base64(username)), .auth) }
            if reply.code == 334 { reply = try await exchange(.unknown(verb: base64(password)), .auth) }
        }
        guard reply.code == 235 else { throw SMTPClientError.rejected(reply, at: .auth) }
    }

    /// Sends one message: MAIL, RCPT and DATA (in one write when the server pipelines), then the
    /// stuffed body. `body` already ends with `CRLF.CRLF`.
    func send(
        envelope: SMTPEnvelope, body: ByteBuffer, deadline: NIODeadline, replyTimeout: TimeAmount
    ) async throws -> SMTPDeliveryReceipt {
        if let limit = capabilities.maximumSize, limit > 0, body.readableBytes > limit {
            throw SMTPClientError(
                code: .messageTooLarge, stage: .mailFrom,
                message: "The message is \(body.readableBytes) bytes; the server accepts at most \(limit).")
        }
        var commands: [(SMTPCommand, SMTPClientError.Stage)] = []
        // RSET before every transaction but the first: it clears whatever a failed one left.
        let needsReset = state.withLock { state in
            defer { state.transactionsStarted += 1 }
            return state.transactionsStarted > 0
        }
        if needsReset { commands.append((.rset, .reset)) }
        var parameters: [String] = []
        if capabilities.maximumSize != nil { parameters.append("SIZE=\(body.readableBytes)") }
        commands.append((.mailFrom(envelope.from, parameters: parameters), .mailFrom))
        for recipient in envelope.recipients { commands.append((.rcptTo(recipient), .rcptTo)) }
        commands.append((.data, .data))

        var replies: [SMTPReply] = []
        do {
            if capabilities.pipelining {
                var batch = ByteBuffer()
                for (command, _) in commands { batch.writeString(command.wireFormat) }
                replies = try await exchange(
                    batch, expecting: commands.count, deadline: min(deadline, .now() + replyTimeout),
                    stage: commands[0].1)
            } else {
                // One command at a time: every RCPT is tried, but DATA only goes out when some
                // recipient was accepted, and a failed RSET or MAIL stops the transaction.
                var refusedRecipients = 0
                for (command, stage) in commands {
                    if command == .data, refusedRecipients == envelope.recipients.count { break }
                    let reply = try await exchange(
                        ByteBuffer(string: command.wireFormat), expecting: 1,
                        deadline: min(deadline, .now() + replyTimeout), stage: stage)[0]
                    replies.append(reply)
                    if case .rcptTo = command {
                        if !reply.isPositiveCompletion { refusedRecipients += 1 }
                        continue
                    }
                    if !(reply.isPositiveCompletion || reply.code == 354) { break }
                }
            }
        } catch {
            markBroken()
            throw error
        }
        let rejectedRecipients = try checkEnvelopeReplies(replies, commands: commands, envelope: envelope)

        let final: SMTPReply
        do {
            final = try await exchange(
                body, expecting: 1, deadline: min(deadline, .now() + replyTimeout), stage: .endOfData,
                finalDotSent: true)[0]
        } catch {
            markBroken()
            throw error
        }
        if final.code == 421 { markBroken() }
        guard final.isPositiveCompletion else { throw SMTPClientError.rejected(final, at: .endOfData) }
        state.withLock { $0.messagesSent += 1 }
        return SMTPDeliveryReceipt(
            reply: final, queueID: SMTPDeliveryReceipt.queueID(in: final), rejectedRecipients: rejectedRecipients)
    }

    /// Checks the replies to RSET, MAIL, RCPT and DATA; throws on the first failure that stops
    /// the transaction and returns the recipients refused while others were accepted.
    private func checkEnvelopeReplies(
        _ replies: [SMTPReply], commands: [(SMTPCommand, SMTPClientError.Stage)], envelope: SMTPEnvelope
    ) throws -> [String: SMTPReply] {
        var rejected: [String: SMTPReply] = [:]
        var firstRecipientFailure: SMTPReply?
        var failure: SMTPClientError?
        for (index, reply) in replies.enumerated() {
            let (command, stage) = commands[index]
            if reply.code == 421 { markBroken() }
            switch command {
            case .rcptTo(let recipient):
                if !reply.isPositiveCompletion {
                    rejected[recipient] = reply
                    firstRecipientFailure = firstRecipientFailure ?? reply
                }
            case .data:
                if reply.code == 354, failure != nil || rejected.count == envelope.recipients.count {
                    // The server wants the message although the envelope failed: closing the
                    // session drops the transaction without sending an empty message.
                    markBroken()
                    channel.close(promise: nil)
                } else if reply.code != 354, failure == nil, rejected.count < envelope.recipients.count {
                    failure = SMTPClientError.rejected(reply, at: .data)
                }
            default:
                if !reply.isPositiveCompletion, failure == nil { failure = SMTPClientError.rejected(reply, at: stage) }
            }
        }
        if let failure { throw failure }
        if rejected.count == envelope.recipients.count, let firstRecipientFailure {
            throw SMTPClientError.rejected(firstRecipientFailure, at: .rcptTo)
        }
        if replies.count < commands.count {
            throw SMTPClientError(code: .protocolViolation, stage: .data, message: "The envelope was not completed.")
        }
        return rejected
    }

    /// Sends NOOP: a cheap check that an idle session still answers.
    func noop(deadline: NIODeadline) async throws {
        do {
            let reply = try await exchange(
                ByteBuffer(string: SMTPCommand.noop.wireFormat), expecting: 1, deadline: deadline, stage: .noop)[0]
            guard reply.isPositiveCompletion else { throw SMTPClientError.rejected(reply, at: .noop) }
        } catch {
            markBroken()
            throw error
        }
    }

    /// Sends QUIT, waits briefly for 221 and closes; never throws.
    func quit(deadline: NIODeadline) async {
        if isUsable {
            _ = try? await exchange(
                ByteBuffer(string: SMTPCommand.quit.wireFormat), expecting: 1, deadline: deadline, stage: .noop)
        }
        markBroken()
        try? await channel.close()
    }

    private func markBroken() {
        state.withLock { $0.broken = true }
    }

    private func exchange(
        _ payload: ByteBuffer, expecting count: Int, deadline: NIODeadline, stage: SMTPClientError.Stage,
        finalDotSent: Bool = false
    ) async throws -> [SMTPReply] {
        try await Self.exchange(
            channel: channel, handler: handler, payload: payload, expecting: count, deadline: deadline, stage: stage,
            finalDotSent: finalDotSent)
    }

    private static func exchange(
        channel: any Channel, handler: NIOLoopBound<SMTPClientHandler>, payload: ByteBuffer?, expecting count: Int,
        deadline: NIODeadline, stage: SMTPClientError.Stage, finalDotSent: Bool = false
    ) async throws -> [SMTPReply] {
        do {
            // Cancelling the caller closes the session, which fails the wait at once.
            return try await withTaskCancellationHandler {
                try await channel.eventLoop.flatSubmit {
                    handler.value.send(payload, expecting: count, deadline: deadline)
                }.get()
            } onCancel: {
                channel.close(promise: nil)
            }
        } catch let error as SMTPTransportError {
            throw error.at(stage, finalDotSent: finalDotSent)
        } catch {
            throw SMTPTransportError.closed.at(stage, finalDotSent: finalDotSent)
        }
    }
}

extension String {
    /// Whether the string is an IPv4 or IPv6 literal (TLS SNI cannot carry one).
    var isIPAddress: Bool {
        (try? SocketAddress(ipAddress: self, port: 0)) != nil
    }
}
