import Foundation
import Logging
import NIOCore
import NIOPosix
import NotifyProviders

/// The SMTP `MessageProvider`: builds the MIME message, sends it through a pooled `SMTPClient`
/// and classifies the result.
///
/// The envelope sender is the message's `from` address. The provider message id is the relay's
/// queue id when its 250 reply names one, else our `Message-ID`.
public final class SMTPProvider: MessageProvider {
    /// Always `.smtp`.
    public var kind: ProviderKind { .smtp }
    /// The relay settings (its `description` hides the password).
    public let configuration: SMTPConfiguration
    /// The underlying client, exposed for health checks and connection counts.
    public let client: SMTPClient

    /// Creates a provider; throws `SMTPClientError` (`invalidConfiguration`) for unusable TLS settings.
    public init(
        configuration: SMTPConfiguration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        self.configuration = configuration
        self.client = try SMTPClient(configuration: configuration, eventLoopGroup: eventLoopGroup)
    }

    /// Sends an `.email` message; other kinds come back as a configuration failure.
    public func send(_ message: OutboundMessage, timeout: Duration, logger: Logger) async -> SendOutcome {
        guard case .email(let email) = message else {
            return .failed(
                ProviderFailure(
                    kind: .configuration, code: "smtp_wrong_channel",
                    message: "The SMTP provider only sends email; route this channel to its own provider."))
        }
        let mime = MIMEMessage(email: email, messageIDDomain: configuration.messageIDDomain)
        var logger = logger
        logger[metadataKey: SMTPLogKeys.deliveryID] = "\(email.deliveryID)"
        do {
            let receipt = try await client.send(
                envelope: SMTPEnvelope(from: email.from.address, recipients: [email.to.address]),
                message: Array(mime.render().utf8), timeout: timeout, logger: logger)
            logger.debug("smtp accepted", metadata: [SMTPLogKeys.reused: "\(receipt.reusedConnection)"])
            return .accepted(providerMessageID: receipt.queueID ?? mime.messageID)
        } catch let error as SMTPClientError {
            let failure = ProviderFailure(smtp: error)
            logger.info(
                "smtp send failed",
                metadata: [
                    SMTPLogKeys.code: "\(failure.code)", SMTPLogKeys.stage: "\(error.stage.rawValue)",
                    SMTPLogKeys.outcome: "\(failure.kind.rawValue)",
                ])
            return .failed(failure)
        } catch {
            return .failed(
                ProviderFailure(
                    kind: .transient, code: "smtp_unexpected", message: "An unexpected error: \(type(of: error))."))
        }
    }

    /// Closes pooled sessions with QUIT.
    public func shutdown() async {
        await client.shutdown()
    }
}
