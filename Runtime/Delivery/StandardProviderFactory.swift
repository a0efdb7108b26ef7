import AsyncHTTPClient
import Foundation
import Logging
import NotifyFunctionKit
import NotifyProviders
import NotifySMTP

/// Builds every provider client this build ships from an account's configuration JSON: SMTP,
/// SendGrid, Twilio, Vonage, FCM, APNs and signed outbound webhooks. HTTP providers share one
/// `HTTPClient` (connection pooling, HTTP/2 for APNs).
///
/// The configuration keys of each kind are documented on its configuration type
/// (`SMTPConfiguration`, `SendGridConfiguration`, `TwilioConfiguration`, `VonageConfiguration`,
/// `FCMConfiguration`, `APNsConfiguration`); a webhook account needs `signing_secret`
/// (`whsec_…`). Errors name the missing or wrong key, never a secret's value.
public struct StandardProviderFactory: ProviderFactory {
    let httpClient: HTTPClient

    /// Creates the factory on a shared HTTP client.
    public init(httpClient: HTTPClient) {
        self.httpClient = httpClient
    }

    public func makeProvider(
        accountID: String, kind: ProviderKind, configuration: Data, logger: Logger
    ) async throws -> any MessageProvider {
        let decoder = JSONDecoder()
        do {
            switch kind {
            case .smtp:
                return try SMTPProvider(configuration: decoder.decode(SMTPConfiguration.self, from: configuration))
            case .sendgrid:
                return SendGridClient(
                    configuration: try decoder.decode(SendGridConfiguration.self, from: configuration),
                    httpClient: httpClient)
            case .twilio:
                return TwilioClient(
                    configuration: try decoder.decode(TwilioConfiguration.self, from: configuration),
                    httpClient: httpClient)
            case .vonage:
                return VonageClient(
                    configuration: try decoder.decode(VonageConfiguration.self, from: configuration),
                    httpClient: httpClient)
            case .fcm:
                return try await FCMClient(
                    configuration: decoder.decode(FCMConfiguration.self, from: configuration), httpClient: httpClient)
            case .apns:
                return try await APNsClient(
                    configuration: decoder.decode(APNsConfiguration.self, from: configuration), httpClient: httpClient)
            case .webhook:
                let object = (try? JSONSerialization.jsonObject(with: configuration)) as? [String: Any]
                guard let secret = object?["signing_secret"] as? String else {
                    throw ProviderConfigurationError("a webhook account needs \"signing_secret\" (whsec_…)")
                }
                _ = try StandardWebhookSignature(secret: secret)
                return WebhookClient(httpClient: httpClient)
            }
        } catch let error as DecodingError {
            throw ProviderConfigurationError(DecodingErrorSentence.describe(error))
        }
    }
}

/// A provider account's configuration cannot build a client.
public struct ProviderConfigurationError: Error, CustomStringConvertible, Sendable {
    /// Always `invalid_provider_config`.
    public let code = "invalid_provider_config"
    /// What is wrong, naming keys, never values.
    public let message: String

    /// Creates the error.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
