/// A Firebase service account, read from the JSON key file Google issues, plus the endpoint.
///
/// JSON keys (the key file's own): `project_id`, `client_email`, `private_key` (PEM, RSA),
/// `private_key_id` (optional; the JWT `kid`), `token_uri` (default
/// `https://oauth2.googleapis.com/token`); other key-file fields are ignored. Ours: `base_url`
/// (default `https://fcm.googleapis.com`; the sandbox in development) and `scope` (default
/// `https://www.googleapis.com/auth/firebase.messaging`). Descriptions redact the private key.
public struct FCMConfiguration: Codable, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The real API's base URL.
    public static let defaultBaseURL = "https://fcm.googleapis.com"
    /// Google's token endpoint.
    public static let defaultTokenURI = "https://oauth2.googleapis.com/token"
    /// The narrow scope FCM needs.
    public static let defaultScope = "https://www.googleapis.com/auth/firebase.messaging"

    /// The Firebase project id.
    public var projectID: String
    /// The service account's email, the JWT issuer.
    public var clientEmail: String
    /// The service account's RSA private key in PEM.
    public var privateKey: String
    /// The key's id, sent as the JWT `kid`.
    public var privateKeyID: String?
    /// The OAuth 2.0 token endpoint, also the JWT audience.
    public var tokenURI: String
    /// The FCM API base URL.
    public var baseURL: String
    /// The OAuth scope requested.
    public var scope: String

    /// Creates a configuration.
    public init(
        projectID: String, clientEmail: String, privateKey: String, privateKeyID: String? = nil,
        tokenURI: String = defaultTokenURI, baseURL: String = defaultBaseURL, scope: String = defaultScope
    ) {
        self.projectID = projectID
        self.clientEmail = clientEmail
        self.privateKey = privateKey
        self.privateKeyID = privateKeyID
        self.tokenURI = tokenURI
        self.baseURL = baseURL
        self.scope = scope
    }

    enum CodingKeys: String, CodingKey {
        case projectID = "project_id"
        case clientEmail = "client_email"
        case privateKey = "private_key"
        case privateKeyID = "private_key_id"
        case tokenURI = "token_uri"
        case baseURL = "base_url"
        case scope
    }

    /// Decodes a service-account key file (with optional `base_url` and `scope`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        projectID = try container.decode(String.self, forKey: .projectID)
        clientEmail = try container.decode(String.self, forKey: .clientEmail)
        privateKey = try container.decode(String.self, forKey: .privateKey)
        privateKeyID = try container.decodeIfPresent(String.self, forKey: .privateKeyID)
        tokenURI = try container.decodeIfPresent(String.self, forKey: .tokenURI) ?? Self.defaultTokenURI
        baseURL = try container.decodeIfPresent(String.self, forKey: .baseURL) ?? Self.defaultBaseURL
        scope = try container.decodeIfPresent(String.self, forKey: .scope) ?? Self.defaultScope
    }

    /// The project and endpoints, with the private key redacted.
    public var description: String {
        "FCMConfiguration(project_id: \(projectID), client_email: \(clientEmail), private_key: <redacted>, "
            + "token_uri: \(tokenURI), base_url: \(baseURL))"
    }

    /// Same as `description`: never shows the key.
    public var debugDescription: String { description }
}
