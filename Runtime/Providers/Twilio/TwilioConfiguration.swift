/// Credentials and endpoint for one Twilio account.
///
/// JSON keys: `account_sid` (required), `auth_token` (required; the API key secret when
/// `api_key_sid` is set), `api_key_sid` (optional; Basic-auth user instead of the account SID),
/// `messaging_service_sid` (optional; sent instead of `From`), `base_url` (default
/// `https://api.twilio.com`; the sandbox's URL in development). Descriptions redact the token.
public struct TwilioConfiguration: Codable, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The real API's base URL.
    public static let defaultBaseURL = "https://api.twilio.com"

    /// The account SID (`AC…`), part of the request path.
    public var accountSID: String
    /// The auth token, or the API key secret when `apiKeySID` is set.
    public var authToken: String
    /// An API key SID (`SK…`) to authenticate with instead of the account SID.
    public var apiKeySID: String?
    /// A Messaging Service SID (`MG…`) to send through instead of a `From` number.
    public var messagingServiceSID: String?
    /// The API base URL, without a trailing slash.
    public var baseURL: String

    /// Creates a configuration.
    public init(
        accountSID: String, authToken: String, apiKeySID: String? = nil, messagingServiceSID: String? = nil,
        baseURL: String = defaultBaseURL
    ) {
        self.accountSID = accountSID
        self.authToken = authToken
        self.apiKeySID = apiKeySID
        self.messagingServiceSID = messagingServiceSID
        self.baseURL = baseURL
    }

    enum CodingKeys: String, CodingKey {
        case accountSID = "account_sid"
        case authToken = "auth_token"
        case apiKeySID = "api_key_sid"
        case messagingServiceSID = "messaging_service_sid"
        case baseURL = "base_url"
    }

    /// Decodes the JSON keys listed above; `base_url` may be omitted.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        accountSID = try container.decode(String.self, forKey: .accountSID)
        authToken = try container.decode(String.self, forKey: .authToken)
        apiKeySID = try container.decodeIfPresent(String.self, forKey: .apiKeySID)
        messagingServiceSID = try container.decodeIfPresent(String.self, forKey: .messagingServiceSID)
        baseURL = try container.decodeIfPresent(String.self, forKey: .baseURL) ?? Self.defaultBaseURL
    }

    /// The account and endpoint, with the token redacted.
    public var description: String {
        "TwilioConfiguration(account_sid: \(accountSID), auth_token: <redacted>, base_url: \(baseURL))"
    }

    /// Same as `description`: never shows the token.
    public var debugDescription: String { description }
}
