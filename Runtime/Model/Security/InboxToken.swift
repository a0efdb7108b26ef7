import Crypto
import Foundation
import JWTKit

/// Expiring inbox credentials, beside ``InboxSignature``'s signatures, which never expire: a JWT
/// that the tenant's backend signs with HS256 under the inbox secret's bytes, naming the user in
/// `sub` and its end in `exp` (both required). Any JWT library makes one, for example in Node:
/// `jwt.sign({ sub: "ada", exp }, Buffer.from(inboxSecretHex, "hex"))`.
///
/// A tenant can accept only tokens (`notify tenants set-inbox-auth ID token`), so that a credential
/// a client leaks stops working by itself.
public enum InboxToken {
    /// The claims notify reads; others are ignored.
    public struct Claims: JWTPayload {
        /// The user's id, as the tenant names it.
        public var sub: SubjectClaim
        /// When the token stops passing.
        public var exp: ExpirationClaim

        /// Creates claims.
        public init(userID: String, expires: Date) {
            sub = SubjectClaim(value: userID)
            exp = ExpirationClaim(value: expires)
        }

        /// Expiry is checked by ``InboxToken/verify(_:secrets:now:)`` against its clock.
        public func verify(using algorithm: some JWTAlgorithm) throws {}
    }

    /// The user a token names, read without checking it: which user's row to look up before the
    /// token is verified against the tenant's secrets. Nil for text that is not a JWT with `sub`.
    public static func unverifiedUser(_ token: String) async -> String? {
        try? await JWTKeyCollection().unverified(token, as: Claims.self).sub.value
    }

    /// The token's user, once its signature checks out under one of `secrets` (the tenant's inbox
    /// secret, and the one it replaced while that still passes) and it has not expired at `now`.
    ///
    /// Throws `invalid_token` (malformed, or signed with another key) or `token_expired`.
    public static func verify(_ token: String, secrets: [[UInt8]], now: Date) async throws(ModelError) -> String {
        for secret in secrets where !secret.isEmpty {
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(key: SymmetricKey(data: secret)), digestAlgorithm: .sha256)
            guard let claims = try? await keys.verify(token, as: Claims.self) else { continue }
            guard now < claims.exp.value else {
                throw ModelError(
                    code: "token_expired", "the inbox token has expired; get a new one from the tenant's backend")
            }
            return claims.sub.value
        }
        throw ModelError(code: "invalid_token", invalidTokenMessage)
    }

    /// What is wrong with a token that does not pass, for every place that refuses one.
    public static let invalidTokenMessage =
        "the inbox token is not a JWT signed with HS256 under the tenant's inbox secret, with sub and exp"

    /// A token for `userID` until `expires`, signed under `secret`: what a tenant's backend makes
    /// (used by the tests).
    public static func sign(userID: String, expires: Date, secret: [UInt8]) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(key: SymmetricKey(data: secret)), digestAlgorithm: .sha256)
        return try await keys.sign(Claims(userID: userID, expires: expires))
    }
}
