import Foundation
import Logging

/// Logger metadata keys used by the provider clients, in one place.
public enum ProviderLogKey {
    /// The provider kind, such as `twilio`.
    public static let provider = "provider"
    /// The engine's delivery id (an opaque id, not personal data).
    public static let deliveryID = "delivery_id"
    /// `accepted` or the failure kind.
    public static let outcome = "outcome"
    /// The failure code, such as `twilio_21211`.
    public static let code = "provider_code"
}

/// Logs one send's outcome: ids and classes only, never addresses, tokens, bodies or secrets.
enum ProviderLog {
    static func record(_ outcome: SendOutcome, provider: ProviderKind, deliveryID: String, logger: Logger) {
        var metadata: Logger.Metadata = [
            ProviderLogKey.provider: .string(provider.rawValue),
            ProviderLogKey.deliveryID: .string(deliveryID),
        ]
        switch outcome {
        case .accepted:
            metadata[ProviderLogKey.outcome] = "accepted"
            logger.debug("Provider accepted the message", metadata: metadata)
        case .failed(let failure):
            metadata[ProviderLogKey.outcome] = .string(failure.kind.rawValue)
            metadata[ProviderLogKey.code] = .string(failure.code)
            switch failure.kind {
            case .configuration:
                logger.warning("Provider send failed: \(failure.message)", metadata: metadata)
            default:
                logger.info("Provider send failed: \(failure.message)", metadata: metadata)
            }
        }
    }
}

extension ProviderFailure {
    /// The message's channel is not one this provider serves.
    static func wrongChannel(_ provider: ProviderKind) -> ProviderFailure {
        ProviderFailure(
            kind: .configuration, code: "wrong_channel",
            message:
                "The \(provider.rawValue) provider only sends \(provider.channel) messages; check the routing policy.")
    }

    /// A 2xx answer we could not read: the provider probably accepted the message.
    static func unreadableSuccess(_ provider: ProviderKind, status: Int) -> ProviderFailure {
        ProviderFailure(
            kind: .unknownOutcome, code: "\(provider.rawValue)_unreadable_response",
            message: "The provider answered \(status) but its body could not be read; it may have accepted the message."
        )
    }

    /// Classifies an HTTP status the provider-specific tables did not cover.
    static func fromStatus(
        _ status: Int, provider: ProviderKind, retryAfter: Duration?, code: String? = nil
    ) -> ProviderFailure {
        let code = code ?? "\(provider.rawValue)_http_\(status)"
        switch status {
        case 429:
            return ProviderFailure(
                kind: .rateLimited, code: code, message: "The provider asked us to slow down (HTTP 429).",
                retryAfter: retryAfter)
        case 408, 500...599:
            return ProviderFailure(
                kind: .transient, code: code, message: "The provider had a temporary failure (HTTP \(status)).",
                retryAfter: retryAfter)
        case 401, 403:
            return ProviderFailure(
                kind: .configuration, code: code,
                message: "The provider refused our credentials (HTTP \(status)); check the account configuration.")
        default:
            return ProviderFailure(
                kind: .permanent, code: code, message: "The provider rejected the request (HTTP \(status)).")
        }
    }
}

/// HTTP Basic authorization header value: `Basic ` and base64 of `user:password`.
public func basicAuthorization(user: String, password: String) -> String {
    "Basic " + Array("\(user):\(password)".utf8).base64String()
}

extension Array where Element == UInt8 {
    func base64String() -> String {
        Data(self).base64EncodedString()
    }
}
