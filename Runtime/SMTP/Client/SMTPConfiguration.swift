/// How to reach and use one SMTP relay: one per provider account.
///
/// JSON keys and defaults (every key but `host` may be left out):
/// `host`; `port` (587 for `starttls`, 465 for `implicit`, 25 for `none`); `tls`
/// (`starttls` | `implicit` | `none`, default `starttls`); `username`, `password` (AUTH only when
/// both are set); `authMechanism` (`plain` | `login`, default: PLAIN when advertised, else LOGIN);
/// `trustRootsPEM` (PEM certificates to trust instead of the system roots, for private CAs and the
/// sandbox); `tlsServerName` (the name the certificate must match, default `host` unless it is an
/// IP address); `ehloName` (default `localhost`); `maxConnections` (4); `maxMessagesPerConnection`
/// (100); `idleTimeoutSeconds` (30); `connectTimeoutSeconds` (10); `replyTimeoutSeconds` (60);
/// `messageIDDomain` (default: the sender's domain).
///
/// `description` never prints the password.
public struct SMTPConfiguration: Codable, Sendable, Hashable, CustomStringConvertible,
    CustomDebugStringConvertible
{
    /// How the connection is protected.
    public enum TLSMode: String, Codable, Sendable, Hashable {
        /// Plain TCP, then `STARTTLS` before anything else; refused if the server does not offer it.
        case starttls
        /// TLS from the first byte (port 465).
        case implicit
        /// No TLS at all: only for local relays and tests, since credentials go in clear text.
        case none
    }

    /// The SASL mechanism used for AUTH.
    public enum AuthMechanism: String, Codable, Sendable, Hashable {
        case plain
        case login
    }

    /// The relay's host name or IP address.
    public var host: String
    /// The relay's port.
    public var port: Int
    /// How the connection is protected.
    public var tls: TLSMode
    /// The AUTH user; AUTH runs only when username and password are both set.
    public var username: String?
    /// The AUTH password; never printed.
    public var password: String?
    /// The SASL mechanism to insist on; nil picks PLAIN, else LOGIN.
    public var authMechanism: AuthMechanism?
    /// PEM certificates trusted instead of the system roots.
    public var trustRootsPEM: String?
    /// The name the server certificate must carry (and SNI).
    public var tlsServerName: String?
    /// Our name in EHLO.
    public var ehloName: String
    /// The most sessions open at once.
    public var maxConnections: Int
    /// Messages after which a session is closed and replaced.
    public var maxMessagesPerConnection: Int
    /// How long an unused session stays open.
    public var idleTimeoutSeconds: Double
    /// The longest wait for TCP connect (also bounded by the send timeout).
    public var connectTimeoutSeconds: Double
    /// The longest wait for any one reply (also bounded by the send timeout).
    public var replyTimeoutSeconds: Double
    /// The domain of generated Message-IDs; nil uses the sender's domain.
    public var messageIDDomain: String?

    /// Creates a configuration; see the type's documentation for the defaults.
    public init(
        host: String, port: Int? = nil, tls: TLSMode = .starttls, username: String? = nil,
        password: String? = nil, authMechanism: AuthMechanism? = nil, trustRootsPEM: String? = nil,
        tlsServerName: String? = nil, ehloName: String = "localhost", maxConnections: Int = 4,
        maxMessagesPerConnection: Int = 100, idleTimeoutSeconds: Double = 30, connectTimeoutSeconds: Double = 10,
        replyTimeoutSeconds: Double = 60, messageIDDomain: String? = nil
    ) {
        self.host = host
        self.port = port ?? Self.defaultPort(for: tls)
        self.tls = tls
        self.username = username
        self.password = password
        self.authMechanism = authMechanism
        self.trustRootsPEM = trustRootsPEM
        self.tlsServerName = tlsServerName
        self.ehloName = ehloName
        self.maxConnections = maxConnections
        self.maxMessagesPerConnection = maxMessagesPerConnection
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.replyTimeoutSeconds = replyTimeoutSeconds
        self.messageIDDomain = messageIDDomain
    }

    enum CodingKeys: String, CodingKey {
        case host, port, tls, username, password, authMechanism, trustRootsPEM, tlsServerName, ehloName
        case maxConnections, maxMessagesPerConnection, idleTimeoutSeconds, connectTimeoutSeconds
        case replyTimeoutSeconds, messageIDDomain
    }

    /// Decodes the JSON shape in the type's documentation, applying the defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let tls = try c.decodeIfPresent(TLSMode.self, forKey: .tls) ?? .starttls
        self.init(
            host: try c.decode(String.self, forKey: .host),
            port: try c.decodeIfPresent(Int.self, forKey: .port),
            tls: tls,
            username: try c.decodeIfPresent(String.self, forKey: .username),
            password: try c.decodeIfPresent(String.self, forKey: .password),
            authMechanism: try c.decodeIfPresent(AuthMechanism.self, forKey: .authMechanism),
            trustRootsPEM: try c.decodeIfPresent(String.self, forKey: .trustRootsPEM),
            tlsServerName: try c.decodeIfPresent(String.self, forKey: .tlsServerName),
            ehloName: try c.decodeIfPresent(String.self, forKey: .ehloName) ?? "localhost",
            maxConnections: try c.decodeIfPresent(Int.self, forKey: .maxConnections) ?? 4,
            maxMessagesPerConnection: try c.decodeIfPresent(Int.self, forKey: .maxMessagesPerConnection) ?? 100,
            idleTimeoutSeconds: try c.decodeIfPresent(Double.self, forKey: .idleTimeoutSeconds) ?? 30,
            connectTimeoutSeconds: try c.decodeIfPresent(Double.self, forKey: .connectTimeoutSeconds) ?? 10,
            replyTimeoutSeconds: try c.decodeIfPresent(Double.self, forKey: .replyTimeoutSeconds) ?? 60,
            messageIDDomain: try c.decodeIfPresent(String.self, forKey: .messageIDDomain)
        )
    }

    /// The usual port for a TLS mode: 587 submission, 465 submissions, 25 plain.
    public static func defaultPort(for tls: TLSMode) -> Int {
        switch tls {
        case .starttls: return 587
        case .implicit: return 465
        case .none: return 25
        }
    }

    /// Host, port, TLS mode and user; the password shows as `set` or `unset`, never its value.
    public var description: String {
        let user = username.map { "\"\($0)\"" } ?? "none"
        let secret = password == nil ? "unset" : "set"
        return "SMTPConfiguration(host: \(host), port: \(port), tls: \(tls.rawValue), user: \(user), "
            + "password: \(secret), maxConnections: \(maxConnections))"
    }

    /// Same as `description`: the password stays hidden.
    public var debugDescription: String { description }
}
