/// Token-based (`.p8`) credentials and endpoint for APNs.
///
/// JSON keys: `team_id` (10 characters, the JWT issuer), `key_id` (10 characters, the JWT `kid`),
/// `private_key` (the `.p8` PEM, PKCS#8 P-256), `topic` (the app's bundle id), `base_url`
/// (default `https://api.push.apple.com`; `https://api.sandbox.push.apple.com` for development
/// builds, or the provider sandbox), `extra_trust_roots_pem` (optional PEM certificates to trust
/// besides the system roots, for the sandbox's generated CA). Descriptions redact the key.
public struct APNsConfiguration: Codable, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Production APNs.
    public static let productionBaseURL = "https://api.push.apple.com"
    /// Development APNs.
    public static let developmentBaseURL = "https://api.sandbox.push.apple.com"

    /// The Apple Developer team id.
    public var teamID: String
    /// The signing key's id.
    public var keyID: String
    /// The `.p8` key in PEM.
    public var privateKey: String
    /// The bundle id, sent as `apns-topic`.
    public var topic: String
    /// The APNs base URL.
    public var baseURL: String
    /// Extra PEM trust roots (the sandbox's CA), or nil for the system roots only.
    public var extraTrustRootsPEM: String?

    /// Creates a configuration.
    public init(
        teamID: String, keyID: String, privateKey: String, topic: String, baseURL: String = productionBaseURL,
        extraTrustRootsPEM: String? = nil
    ) {
        self.teamID = teamID
        self.keyID = keyID
        self.privateKey = privateKey
        self.topic = topic
        self.baseURL = baseURL
        self.extraTrustRootsPEM = extraTrustRootsPEM
    }

    enum CodingKeys: String, CodingKey {
        case teamID = "team_id"
        case keyID = "key_id"
        case privateKey = "private_key"
        case topic
        case baseURL = "base_url"
        case extraTrustRootsPEM = "extra_trust_roots_pem"
    }

    /// Decodes the JSON keys listed above; `base_url` may be omitted.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        teamID = try container.decode(String.self, forKey: .teamID)
        keyID = try container.decode(String.self, forKey: .keyID)
        privateKey = try container.decode(String.self, forKey: .privateKey)
        topic = try container.decode(String.self, forKey: .topic)
        baseURL = try container.decodeIfPresent(String.self, forKey: .baseURL) ?? Self.productionBaseURL
        extraTrustRootsPEM = try container.decodeIfPresent(String.self, forKey: .extraTrustRootsPEM)
    }

    /// The team, key id, topic and endpoint, with the private key redacted.
    public var description: String {
        "APNsConfiguration(team_id: \(teamID), key_id: \(keyID), private_key: <redacted>, topic: \(topic), "
            + "base_url: \(baseURL))"
    }

    /// Same as `description`: never shows the key.
    public var debugDescription: String { description }
}
