/// Why an SMTP exchange failed, with the step it failed at and the server's reply if any.
///
/// The message never contains addresses, message text or credentials: reply text can echo
/// addresses, so only the reply's codes are kept in `description`.
public struct SMTPClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable code for the failure.
    public enum Code: String, Sendable, Hashable {
        /// The TCP connection could not be opened.
        case connectFailed = "smtp_connect_failed"
        /// No reply came before the deadline.
        case timeout = "smtp_timeout"
        /// The server closed the connection, or a write failed.
        case connectionClosed = "smtp_connection_closed"
        /// The TLS handshake failed (untrusted certificate, wrong name, no common cipher).
        case tlsFailed = "smtp_tls_failed"
        /// TLS was required but the server does not offer STARTTLS.
        case startTLSUnavailable = "smtp_starttls_unavailable"
        /// Credentials are configured but the server offers no usable AUTH mechanism.
        case authUnavailable = "smtp_auth_unavailable"
        /// The server answered with a failure reply; see `reply`.
        case rejected = "smtp_rejected"
        /// The message is larger than the SIZE the server advertised.
        case messageTooLarge = "smtp_message_too_large"
        /// The server's bytes were not valid SMTP.
        case protocolViolation = "smtp_protocol_violation"
        /// Every pooled connection stayed busy until the deadline.
        case poolTimeout = "smtp_pool_timeout"
        /// The client was shut down.
        case shutDown = "smtp_client_shut_down"
        /// The configuration cannot work (bad trust roots PEM, no recipients).
        case invalidConfiguration = "smtp_invalid_configuration"
    }

    /// The step of the dialog that failed.
    public enum Stage: String, Sendable, Hashable {
        case connect, greeting, ehlo, startTLS = "starttls", auth
        case reset = "rset", mailFrom = "mail_from", rcptTo = "rcpt_to", data
        case endOfData = "end_of_data", noop, pool
    }

    /// What went wrong.
    public var code: Code
    /// Where in the dialog it went wrong.
    public var stage: Stage
    /// The server's reply when it answered with a failure.
    public var reply: SMTPReply?
    /// Whether the final `.` of the message was written: a failure after that may hide an
    /// accepted message.
    public var finalDotSent: Bool
    /// A sentence saying what happened and what to fix.
    public var message: String

    /// Creates an error.
    public init(code: Code, stage: Stage, reply: SMTPReply? = nil, finalDotSent: Bool = false, message: String) {
        self.code = code
        self.stage = stage
        self.reply = reply
        self.finalDotSent = finalDotSent
        self.message = message
    }

    /// Code, stage, reply codes and the sentence; never reply text.
    public var description: String {
        let replyPart = reply.map { " (reply \($0))" } ?? ""
        return "\(code.rawValue) at \(stage.rawValue)\(replyPart): \(message)"
    }

    static func rejected(_ reply: SMTPReply, at stage: Stage) -> SMTPClientError {
        SMTPClientError(
            code: .rejected, stage: stage, reply: reply,
            message: "The server answered \(reply) to \(stage.rawValue.uppercased()).")
    }
}

/// What went wrong below the SMTP dialog, before a stage is attached.
enum SMTPTransportError: Error, Sendable {
    case timeout
    case closed
    /// A write failed, so the bytes never reached the server.
    case writeFailed
    case tls(String)
    case framing(SMTPProtocolError)

    func at(_ stage: SMTPClientError.Stage, finalDotSent: Bool = false) -> SMTPClientError {
        switch self {
        case .timeout:
            return SMTPClientError(
                code: .timeout, stage: stage, finalDotSent: finalDotSent,
                message: "No reply came before the deadline; check the relay's health or raise replyTimeoutSeconds.")
        case .closed:
            return SMTPClientError(
                code: .connectionClosed, stage: stage, finalDotSent: finalDotSent,
                message: "The server closed the connection.")
        case .writeFailed:
            return SMTPClientError(
                code: .connectionClosed, stage: stage, finalDotSent: false,
                message: "Writing to the server failed; the connection was closed.")
        case .tls(let detail):
            return SMTPClientError(
                code: .tlsFailed, stage: stage, finalDotSent: finalDotSent,
                message: "The TLS handshake failed (\(detail)); check trustRootsPEM and tlsServerName.")
        case .framing(let error):
            return SMTPClientError(
                code: .protocolViolation, stage: stage, finalDotSent: finalDotSent,
                message: "The server sent invalid SMTP: \(error.message)")
        }
    }
}
