/// An OAuth client secret for the client-credentials grant (`POST /oauth/token`),
/// `nc_<id>_<secret>`: shown once, stored only as the public ``id`` plus ``hash(secret:)``.
///
/// Same construction as ``APIKey``: the 12-character base32 id is public and can serve as the
/// OAuth `client_id`; the 40-character base62 secret is never stored in clear.
///
/// The description redacts the secret, so logging a `ClientSecret` by accident does not leak it.
public struct ClientSecret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The prefix every client secret starts with.
    public static let prefix = "nc"

    /// The public id: 12 characters of lowercase base32.
    public let id: String
    /// The secret part: 40 base62 characters. Never store or log it.
    public let secret: String

    /// The whole secret as the client presents it: `nc_<id>_<secret>`.
    public var plaintext: String { "\(Self.prefix)_\(id)_\(secret)" }

    /// The secret redacted, safe for logs.
    public var description: String { "\(Self.prefix)_\(id)_…" }

    /// The secret redacted, safe for logs.
    public var debugDescription: String { "ClientSecret(\(description))" }

    /// Creates a client secret from its parts, for example after ``parse(_:)``.
    public init(id: String, secret: String) {
        self.id = id
        self.secret = secret
    }

    /// A new client secret from the system's secure random generator.
    public static func generate() -> ClientSecret {
        let (id, secret) = PrefixedSecret.generate()
        return ClientSecret(id: id, secret: secret)
    }

    /// Splits a presented client secret into its id and secret, checking the shape only. Throws
    /// `malformed_client_secret`; the message never repeats the presented text.
    public static func parse(_ presented: String) throws(ModelError) -> (id: String, secret: String) {
        try PrefixedSecret.parse(
            presented, prefix: prefix, code: "malformed_client_secret",
            shapeMessage: "client secrets have the shape nc_<id>_<secret>: \"nc_\", 12 lowercase letters or digits "
                + "2-7, \"_\", then 40 letters or digits; check the whole secret was copied")
    }

    /// The SHA-256 of the secret, the only form in which it is stored. A fast hash suffices because
    /// the secret is high-entropy random; see ``APIKey/hash(secret:)``.
    public static func hash(secret: String) -> [UInt8] {
        PrefixedSecret.hash(secret: secret)
    }

    /// Whether `secret` matches a hash from ``hash(secret:)``, compared in constant time.
    public static func verify(secret: String, against storedHash: [UInt8]) -> Bool {
        PrefixedSecret.verify(secret: secret, against: storedHash)
    }
}
