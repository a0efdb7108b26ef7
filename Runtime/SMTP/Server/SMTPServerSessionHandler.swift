import Foundation
import NIOCore
import NIOSSL
import NIOTLS

/// One SMTP server session: reads command lines (pipelined or not), answers them, collects DATA
/// with dot-unstuffing and records accepted messages.
final class SMTPServerSessionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        case command
        case data
        case authPlain
        case authLoginUser
        case authLoginPassword(user: String)
        case awaitingTLS
        /// A fault rule said never to answer again.
        case hung
    }

    private let shared: SMTPServerShared
    private let connectionID: Int
    private var phase = Phase.command
    private var clientName: String?
    private var usesTLS = false
    private var authenticatedUser: String?
    private var mailFrom: String?
    private var recipients: [String] = []
    private var data: [UInt8] = []
    private var dataTooLarge = false
    private var commandsThisRead = 0
    private var lastReplyAt = NIODeadline.uptimeNanoseconds(0)

    private var configuration: SMTPServerConfiguration { shared.configuration }

    init(shared: SMTPServerShared, connectionID: Int) {
        self.shared = shared
        self.connectionID = connectionID
    }

    func channelActive(context: ChannelHandlerContext) {
        reply(context, 220, "\(configuration.hostname) ESMTP notify sandbox")
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        switch phase {
        case .data: dataLine(context, line)
        case .hung, .awaitingTLS: return
        case .authPlain: finishPlain(context, String(buffer: line))
        case .authLoginUser: loginUser(context, String(buffer: line))
        case .authLoginPassword(let user): loginPassword(context, user: user, String(buffer: line))
        case .command:
            commandsThisRead += 1
            command(context, String(buffer: line))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if commandsThisRead > 0 { shared.noteCommandBatch(commandsThisRead) }
        commandsThisRead = 0
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            // RFC 3207: forget everything learnt before TLS; the client must EHLO again.
            usesTLS = true
            clientName = nil
            authenticatedUser = nil
            resetTransaction()
            phase = .command
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is SMTPProtocolError {
            reply(context, 500, "5.5.2 Line too long") { $0.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }

    // MARK: Commands

    private func command(_ context: ChannelHandlerContext, _ line: String) {
        guard let command = SMTPCommand.parse(line) else {
            return reply(context, 501, "5.5.4 Syntax error in parameters or arguments")
        }
        switch command {
        case .ehlo(let name):
            clientName = name
            resetTransaction()
            reply(context, 250, ehloLines())
        case .helo(let name):
            clientName = name
            resetTransaction()
            reply(context, 250, configuration.hostname)
        case .startTLS: startTLS(context)
        case .auth(let mechanism, let initial): auth(context, mechanism: mechanism, initial: initial)
        case .mailFrom(let path, let parameters): mail(context, from: path, parameters: parameters)
        case .rcptTo(let path): rcpt(context, to: path)
        case .data:
            guard mailFrom != nil, !recipients.isEmpty else {
                return reply(context, 554, "5.5.1 Error: no valid recipients")
            }
            data = []
            dataTooLarge = false
            phase = .data
            reply(context, 354, "End data with <CR><LF>.<CR><LF>")
        case .rset:
            resetTransaction()
            reply(context, 250, "2.0.0 OK")
        case .noop: reply(context, 250, "2.0.0 OK")
        case .quit: reply(context, 221, "2.0.0 Bye") { $0.close(promise: nil) }
        case .unknown: reply(context, 502, "5.5.2 Command not recognised")
        }
    }

    private func ehloLines() -> [String] {
        var lines = [configuration.hostname]
        if configuration.pipelining { lines.append("PIPELINING") }
        lines += ["SIZE \(configuration.maximumMessageSize)", "8BITMIME", "ENHANCEDSTATUSCODES"]
        if configuration.tlsContext != nil, !configuration.implicitTLS, !usesTLS { lines.append("STARTTLS") }
        if !configuration.credentials.isEmpty, usesTLS || configuration.tlsContext == nil {
            lines.append("AUTH PLAIN LOGIN")
        }
        return lines
    }

    private func startTLS(_ context: ChannelHandlerContext) {
        guard let tlsContext = configuration.tlsContext, !configuration.implicitTLS, !usesTLS else {
            return reply(context, 502, "5.5.1 STARTTLS not available")
        }
        phase = .awaitingTLS
        reply(context, 220, "2.0.0 Ready to start TLS") { context in
            do {
                try context.pipeline.syncOperations.addHandler(
                    NIOSSLServerHandler(context: tlsContext), position: .first)
            } catch {
                context.close(promise: nil)
            }
        }
    }

    private func mail(_ context: ChannelHandlerContext, from path: String, parameters: [String]) {
        guard clientName != nil else { return reply(context, 503, "5.5.1 Error: send EHLO first") }
        guard configuration.credentials.isEmpty || authenticatedUser != nil else {
            return reply(context, 530, "5.7.0 Authentication required")
        }
        guard mailFrom == nil else { return reply(context, 503, "5.5.1 Error: nested MAIL command") }
        for parameter in parameters where parameter.uppercased().hasPrefix("SIZE=") {
            if let size = Int(parameter.dropFirst(5)), size > configuration.maximumMessageSize {
                return reply(context, 552, "5.3.4 Message size exceeds fixed limit")
            }
        }
        mailFrom = path
        reply(context, 250, "2.1.0 OK")
    }

    private func rcpt(_ context: ChannelHandlerContext, to path: String) {
        guard mailFrom != nil else { return reply(context, 503, "5.5.1 Error: need MAIL command") }
        guard recipients.count < configuration.maximumRecipients else {
            return reply(context, 452, "4.5.3 Too many recipients")
        }
        if let action = shared.fault(at: .recipient, for: [path]) {
            return perform(context, action)
        }
        recipients.append(path)
        reply(context, 250, "2.1.5 OK")
    }

    // MARK: DATA

    private func dataLine(_ context: ChannelHandlerContext, _ line: ByteBuffer) {
        guard let content = DotStuffing.unstuff(line: line) else { return endOfData(context) }
        guard !dataTooLarge else { return }
        if data.count + content.readableBytes + 2 > configuration.maximumMessageSize {
            dataTooLarge = true
            data = []
            return
        }
        data.append(contentsOf: content.readableBytesView)
        data.append(contentsOf: [13, 10])
    }

    private func endOfData(_ context: ChannelHandlerContext) {
        phase = .command
        defer { resetTransaction() }
        if dataTooLarge { return reply(context, 552, "5.3.4 Message size exceeds fixed limit") }
        if let action = shared.fault(at: .endOfData, for: recipients) {
            return perform(context, action)
        }
        let queueID = shared.nextQueueID()
        shared.record(
            SMTPRecordedMessage(
                connectionID: connectionID, queueID: queueID, envelopeFrom: mailFrom ?? "", recipients: recipients,
                data: data, authenticatedUser: authenticatedUser, usedTLS: usesTLS, clientName: clientName,
                receivedAt: Date()))
        reply(context, 250, "2.0.0 OK queued as \(queueID)")
    }

    private func resetTransaction() {
        mailFrom = nil
        recipients = []
        data = []
        dataTooLarge = false
    }

    // MARK: AUTH

    private func auth(_ context: ChannelHandlerContext, mechanism: String, initial: String?) {
        guard !configuration.credentials.isEmpty else { return reply(context, 502, "5.5.1 AUTH not available") }
        guard usesTLS || configuration.tlsContext == nil else {
            return reply(context, 538, "5.7.11 Encryption required for requested authentication mechanism")
        }
        guard authenticatedUser == nil else { return reply(context, 503, "5.5.1 Already authenticated") }
        switch mechanism {
        case "PLAIN":
            if let initial { return finishPlain(context, initial) }
            phase = .authPlain
            reply(context, 334, "")
        case "LOGIN":
            if let initial { return loginUser(context, initial) }
            phase = .authLoginUser
            reply(context, 334, "VXNlcm5hbWU6")
        default:
            reply(context, 504, "5.5.4 Unrecognised authentication type")
        }
    }

    private func finishPlain(_ context: ChannelHandlerContext, _ response: String) {
        phase = .command
        guard let decoded = Self.decodeBase64(response) else {
            return reply(context, 501, "5.5.2 Cannot decode response")
        }
        let fields = decoded.split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 3 else { return reply(context, 501, "5.5.2 Malformed PLAIN response") }
        verify(context, user: fields[1], password: fields[2])
    }

    private func loginUser(_ context: ChannelHandlerContext, _ response: String) {
        guard let user = Self.decodeBase64(response) else {
            phase = .command
            return reply(context, 501, "5.5.2 Cannot decode response")
        }
        phase = .authLoginPassword(user: user)
        reply(context, 334, "UGFzc3dvcmQ6")
    }

    private func loginPassword(_ context: ChannelHandlerContext, user: String, _ response: String) {
        phase = .command
        guard let password = Self.decodeBase64(response) else {
            return reply(context, 501, "5.5.2 Cannot decode response")
        }
        verify(context, user: user, password: password)
    }

    private func verify(_ context: ChannelHandlerContext, user: String, password: String) {
        guard let expected = configuration.credentials[user], expected == password else {
            return reply(context, 535, "5.7.8 Authentication credentials invalid")
        }
        authenticatedUser = user
        reply(context, 235, "2.7.0 Authentication successful")
    }

    private static func decodeBase64(_ text: String) -> String? {
        if text == "=" { return "" }
        guard text != "*", let data = Data(base64Encoded: text) else { return nil }
        return String(data: data, encoding: .utf8)
    }

    // MARK: Replies

    private func perform(_ context: ChannelHandlerContext, _ action: SMTPFaultRule.Action) {
        switch action {
        case .reply(let injected): reply(context, injected)
        case .noReply: phase = .hung
        case .disconnect: context.close(promise: nil)
        }
    }

    private func reply(
        _ context: ChannelHandlerContext, _ code: Int, _ text: String,
        then: ((ChannelHandlerContext) -> Void)? = nil
    ) {
        reply(context, SMTPReply(code: code, lines: [text]), then: then)
    }

    private func reply(
        _ context: ChannelHandlerContext, _ code: Int, _ lines: [String],
        then: ((ChannelHandlerContext) -> Void)? = nil
    ) {
        reply(context, SMTPReply(code: code, lines: lines), then: then)
    }

    /// Writes a reply now, or after the configured delay; replies keep their order either way.
    private func reply(
        _ context: ChannelHandlerContext, _ reply: SMTPReply, then: ((ChannelHandlerContext) -> Void)? = nil
    ) {
        let buffer = context.channel.allocator.buffer(string: reply.wireFormat)
        let delay = TimeAmount(shared.replyDelay)
        let now = NIODeadline.now()
        if delay == .zero, lastReplyAt <= now {
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            then?(context)
            return
        }
        let at = max(now + delay, lastReplyAt)
        lastReplyAt = at
        context.eventLoop.assumeIsolated().scheduleTask(deadline: at) {
            context.writeAndFlush(self.wrapOutboundOut(buffer), promise: nil)
            then?(context)
        }
    }
}
