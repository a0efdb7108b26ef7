/// Credentials and endpoint for one SendGrid account.
///
/// JSON keys: `api_key` (required, `SG.…`), `on_behalf_of` (optional subuser), `base_url` (default
/// `https://api.sendgrid.com`; `https://api.eu.sendgrid.com` for EU subusers, or the sandbox).
/// Descriptions redact the key.
public struct SendGridConfiguration: Codable, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible
{
    /// The real API's base URL.
    public static let defaultBaseURL = "https://api.sendgrid.com"

    /// The API key, sent as a Bearer token.
    public var apiKey: String
    /// A subuser to send as (`On-Behalf-Of`).
    public var onBehalfOf: String?
    /// The API base URL.
    public var baseURL: String

    /// Creates a configuration.
    public init(apiKey: String, onBehalfOf: String? = nil, baseURL: String = defaultBaseURL) {
        self.apiKey = apiKey
        self.onBehalfOf = onBehalfOf
        self.baseURL = baseURL
    }

    enum CodingKeys: String, CodingKey {
        case apiKey = "api_key"
        case onBehalfOf = "on_behalf_of"
        case baseURL = "base_url"
    }

    /// Decodes the JSON keys listed above; `base_url` may be omitted.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        apiKey = try container.decode(String.self, forKey: .apiKey)
        onBehalfOf = try container.decodeIfPresent(String.self, forKey: .onBehalfOf)
        baseURL = try container.decodeIfPresent(String.self, forKey: .baseURL) ?? Self.defaultBaseURL
    }

    /// The endpoint, with the key redacted.
    public var description: String { "SendGridConfiguration(api_key: <redacted>, base_url: \(baseURL))" }

    /// Same as `description`: never shows the key.
    public var debugDescription: String { description }
}
