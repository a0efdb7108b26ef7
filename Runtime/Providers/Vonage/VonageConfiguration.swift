/// Credentials and endpoint for one Vonage (Nexmo) SMS API account.
///
/// JSON keys: `api_key` (required), `api_secret` (required unless `signature_secret` is set),
/// `signature_secret` (optional; when set, requests are signed with `sig` instead of carrying
/// the API secret), `signature_method` (`sha256` default, `sha512`, `sha1`, `md5`, `md5hash`),
/// `base_url` (default `https://rest.nexmo.com`). Descriptions redact both secrets.
public struct VonageConfiguration: Codable, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The real API's base URL.
    public static let defaultBaseURL = "https://rest.nexmo.com"

    /// The API key.
    public var apiKey: String
    /// The API secret.
    public var apiSecret: String?
    /// The signature secret, to sign requests instead of sending the API secret.
    public var signatureSecret: String?
    /// The signing method configured in the dashboard.
    public var signatureMethod: VonageSignature.Method
    /// The API base URL.
    public var baseURL: String

    /// Creates a configuration.
    public init(
        apiKey: String, apiSecret: String?, signatureSecret: String? = nil,
        signatureMethod: VonageSignature.Method = .sha256, baseURL: String = defaultBaseURL
    ) {
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.signatureSecret = signatureSecret
        self.signatureMethod = signatureMethod
        self.baseURL = baseURL
    }

    enum CodingKeys: String, CodingKey {
        case apiKey = "api_key"
        case apiSecret = "api_secret"
        case signatureSecret = "signature_secret"
        case signatureMethod = "signature_method"
        case baseURL = "base_url"
    }

    /// Decodes the JSON keys listed above.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        apiKey = try container.decode(String.self, forKey: .apiKey)
        apiSecret = try container.decodeIfPresent(String.self, forKey: .apiSecret)
        signatureSecret = try container.decodeIfPresent(String.self, forKey: .signatureSecret)
        signatureMethod =
            try container.decodeIfPresent(VonageSignature.Method.self, forKey: .signatureMethod) ?? .sha256
        baseURL = try container.decodeIfPresent(String.self, forKey: .baseURL) ?? Self.defaultBaseURL
        if apiSecret == nil && signatureSecret == nil {
            throw DecodingError.dataCorruptedError(
                forKey: .apiSecret, in: container, debugDescription: "Set api_secret or signature_secret.")
        }
    }

    /// The key and endpoint, with secrets redacted.
    public var description: String {
        "VonageConfiguration(api_key: \(apiKey), api_secret: <redacted>, signature_secret: <redacted>, base_url: \(baseURL))"
    }

    /// Same as `description`: never shows secrets.
    public var debugDescription: String { description }
}
