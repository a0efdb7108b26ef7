/// A tenant API key, `nk_<id>_<secret>`: shown to the tenant once at creation and stored only as
/// the public ``id`` plus ``hash(secret:)`` of the secret.
///
/// The id is 12 characters of lowercase base32 and is not secret: it finds the stored row (and can
/// appear in logs). The secret is 40 random base62 characters (about 238 bits).
///
/// The description of a key redacts the secret, so logging an `APIKey` by accident does not leak it.
public struct APIKey: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The prefix every API key starts with.
    public static let prefix = "nk"

    /// The public key id: 12 characters of lowercase base32.
    public let id: String
    /// The secret part: 40 base62 characters. Never store or log it.
    public let secret: String

    /// The whole key as the tenant presents it: `nk_<id>_<secret>`.
    public var plaintext: String { "\(Self.prefix)_\(id)_\(secret)" }

    /// The key with its secret redacted, safe for logs.
    public var description: String { "\(Self.prefix)_\(id)_…" }

    /// The key with its secret redacted, safe for logs.
    public var debugDescription: String { "APIKey(\(description))" }

    /// Creates a key from its parts, for example after ``parse(_:)``.
    public init(id: String, secret: String) {
        self.id = id
        self.secret = secret
    }

    /// A new key from the system's secure random generator.
    public static func generate() -> APIKey {
        let (id, secret) = PrefixedSecret.generate()
        return APIKey(id: id, secret: secret)
    }

    /// Splits a presented key into its id and secret, checking the shape only (not whether the key
    /// exists). Throws `malformed_api_key`; the message never repeats the presented text.
    public static func parse(_ presented: String) throws(ModelError) -> (id: String, secret: String) {
        try PrefixedSecret.parse(
            presented, prefix: prefix, code: "malformed_api_key",
            shapeMessage: "API keys have the shape nk_<id>_<secret>: \"nk_\", 12 lowercase letters or digits 2-7, "
                + "\"_\", then 40 letters or digits; check the whole key was copied, without quotes or spaces")
    }

    /// The SHA-256 of the secret, the only form in which it is stored.
    ///
    /// A fast hash is right here, unlike for passwords: the secret is 238 random bits, so there is
    /// nothing to brute-force, while a deliberately slow hash (bcrypt, Argon2) would cost
    /// milliseconds of CPU on every authenticated request and hand attackers an easy way to
    /// exhaust the server.
    public static func hash(secret: String) -> [UInt8] {
        PrefixedSecret.hash(secret: secret)
    }

    /// Whether `secret` matches a hash from ``hash(secret:)``, compared in constant time.
    public static func verify(secret: String, against storedHash: [UInt8]) -> Bool {
        PrefixedSecret.verify(secret: secret, against: storedHash)
    }
}
