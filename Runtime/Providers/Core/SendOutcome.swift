import Foundation

/// What a provider did with a message. Clients never throw: every answer, network error and
/// timeout is classified into one of these (see `shared/reference/provider-protocols.md` §6).
public enum SendOutcome: Sendable, Hashable {
    /// The provider accepted the message and gave it this id.
    case accepted(providerMessageID: String)
    /// The provider did not accept it, or we cannot tell.
    case failed(ProviderFailure)
}

/// Why a send did not succeed, classified for the engine.
public struct ProviderFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class decides what the engine does next.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Retry with backoff (5xx, network errors before the request was sent, 4yz SMTP replies).
        case transient
        /// The provider asked us to slow down (429): snooze without spending an attempt.
        case rateLimited = "rate_limited"
        /// Never retry this message as is (invalid number, unregistered token, 5yz at RCPT).
        case permanent
        /// Our credentials or sender setup are wrong: alert the operator, open the circuit,
        /// do not blame the recipient.
        case configuration
        /// The request was sent but no answer came (timeout, reset): the provider may have
        /// accepted it.
        case unknownOutcome = "unknown_outcome"
    }

    /// What the engine should do about the recipient's contact point.
    public enum RecipientAction: String, Sendable, Hashable, Codable {
        case none
        /// Add the address or number to the suppression list (hard bounce, STOP, invalid number).
        case suppressAddress = "suppress_address"
        /// Delete the device token (APNs 410 Unregistered, FCM UNREGISTERED).
        case invalidateDeviceToken = "invalidate_device_token"
    }

    public var kind: Kind
    /// A stable code naming the provider's answer, such as `twilio_21211`, `apns_Unregistered`,
    /// `smtp_550`, `http_503` or `network_timeout`.
    public var code: String
    /// A short sentence, without personal data or secrets.
    public var message: String
    /// The provider's Retry-After (or equivalent), if it gave one.
    public var retryAfter: Duration?
    public var recipientAction: RecipientAction
    /// True when the same answer also comes for every recipient if the account points at the
    /// wrong environment (APNs `BadDeviceToken` for a development token sent to production, or
    /// the reverse): the recipient action then waits until the account is known to reach the
    /// right one, and until then the answer counts as a configuration failure.
    public var mayMeanWrongEnvironment: Bool
    /// When the provider last confirmed the device token invalid (APNs' 410 `timestamp`): a token
    /// the app registered again after that is not invalidated.
    public var invalidSince: Date?

    public init(
        kind: Kind, code: String, message: String, retryAfter: Duration? = nil,
        recipientAction: RecipientAction = .none, mayMeanWrongEnvironment: Bool = false, invalidSince: Date? = nil
    ) {
        self.kind = kind
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
        self.recipientAction = recipientAction
        self.mayMeanWrongEnvironment = mayMeanWrongEnvironment
        self.invalidSince = invalidSince
    }

    public var description: String { "\(kind.rawValue) \(code): \(message)" }
}
