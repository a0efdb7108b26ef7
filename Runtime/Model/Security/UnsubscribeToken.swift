import Crypto
import Foundation

/// The token in a commercial email's one-click unsubscribe link (RFC 8058): it names the tenant,
/// the recipient (internal user id, no address) and the category, and is signed with
/// HMAC-SHA256 under a key of the engine, so nobody can unsubscribe someone else or forge a link.
///
/// Form: `base64url("tenant|user|category") + "." + base64url(HMAC-SHA256(key, that payload))`.
public struct UnsubscribeToken: Sendable, Hashable {
    public var tenantID: String
    public var userID: Int64
    public var category: String

    /// Creates a token's contents.
    public init(tenantID: String, userID: Int64, category: String) {
        self.tenantID = tenantID
        self.userID = userID
        self.category = category
    }

    /// The signed token, safe in a URL path.
    public func signed(key: SymmetricKey) -> String {
        let payload = Array("\(tenantID)|\(userID)|\(category)".utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: payload, using: key)
        return Self.base64URL(payload) + "." + Self.base64URL(Array(mac))
    }

    /// The token's contents when `token` was signed with `key`, else nil.
    public static func verify(_ token: String, key: SymmetricKey) -> UnsubscribeToken? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = decodeBase64URL(parts[0]), let mac = decodeBase64URL(parts[1]),
            HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: key)
        else { return nil }
        let fields = String(decoding: payload, as: UTF8.self).split(separator: "|", omittingEmptySubsequences: false)
        guard fields.count == 3, let userID = Int64(fields[1]) else { return nil }
        return UnsubscribeToken(tenantID: String(fields[0]), userID: userID, category: String(fields[2]))
    }

    /// The key for unsubscribe links, derived from the engine's token-signing key.
    public static func key(fromTokenKey tokenKey: [UInt8]) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: tokenKey), info: Data("notify unsubscribe".utf8), outputByteCount: 32)
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: Substring) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }
}
