import NotifyProviders

extension ProviderFailure {
    /// Classifies an SMTP failure for the engine (reference §6, SMTP row):
    ///
    /// - connection, TLS and timeout errors before the final `.` → transient;
    /// - a timeout or disconnect after the final `.` → unknown outcome (the relay may have it);
    /// - 421 and every other 4yz → transient;
    /// - 530, 535 and 5yz at AUTH, 5yz at MAIL FROM, 5yz before the transaction, and any 5.7.x →
    ///   configuration (fix credentials, sender or SPF/DKIM/DMARC; the recipient is not to blame);
    /// - 5yz at RCPT → permanent, and the address is suppressed;
    /// - 552 / 5.3.4 (message too large, at MAIL FROM with SIZE or after DATA) and a message over
    ///   the advertised SIZE → permanent for this message, address kept;
    /// - 5yz to DATA or the message → permanent for this message (size, content), address kept.
    public init(smtp error: SMTPClientError) {
        let stage = error.stage.rawValue
        guard let reply = error.reply else {
            if error.finalDotSent, [.timeout, .connectionClosed, .protocolViolation].contains(error.code) {
                self.init(
                    kind: .unknownOutcome, code: error.code == .timeout ? "network_timeout" : "network_closed",
                    message: "The connection ended after the message was sent and before the server answered.")
                return
            }
            switch error.code {
            case .messageTooLarge:
                self.init(kind: .permanent, code: error.code.rawValue, message: error.message)
            case .startTLSUnavailable, .authUnavailable, .invalidConfiguration:
                self.init(kind: .configuration, code: error.code.rawValue, message: error.message)
            case .timeout:
                self.init(
                    kind: .transient, code: "network_timeout", message: "No reply at \(stage) before the deadline.")
            default:
                self.init(kind: .transient, code: error.code.rawValue, message: error.message)
            }
            return
        }
        let code = "smtp_\(reply.code)"
        let enhanced = reply.enhancedCode ?? ""
        let said = "The server answered \(reply) at \(stage)"
        if reply.codeClass == 4 || reply.code == 421 {
            self.init(kind: .transient, code: code, message: "\(said); retry later.")
            return
        }
        if reply.codeClass != 5 {
            self.init(kind: .transient, code: code, message: "\(said), which was not expected there.")
            return
        }
        if reply.code == 530 || reply.code == 535 || reply.code == 534 || reply.code == 538
            || error.stage == .auth
        {
            self.init(kind: .configuration, code: code, message: "\(said); check the SMTP username and password.")
        } else if enhanced.hasPrefix("5.7.") {
            self.init(
                kind: .configuration, code: code,
                message: "\(said): a policy or authentication rejection; check SPF, DKIM, DMARC and relay rights.")
        } else if error.stage == .rcptTo {
            self.init(
                kind: .permanent, code: code, message: "\(said): the recipient address does not accept mail.",
                recipientAction: .suppressAddress)
        } else if reply.code == 552 || enhanced.hasPrefix("5.3.4") {
            self.init(kind: .permanent, code: code, message: "\(said): the message is too large for the relay.")
        } else if error.stage == .mailFrom {
            self.init(kind: .configuration, code: code, message: "\(said): check that the sender address is verified.")
        } else if error.stage == .data || error.stage == .endOfData {
            self.init(kind: .permanent, code: code, message: "\(said): the message was refused (size or content).")
        } else {
            self.init(kind: .configuration, code: code, message: "\(said): the relay refuses this client.")
        }
    }
}
