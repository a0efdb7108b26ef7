import Crypto
import Foundation
import JWTKit

/// Issues and verifies OAuth2 client-credentials access tokens: short-lived JWTs signed with
/// HS256 under a server-wide key. The claims are ``AccessTokenClaims``.
///
/// Both operations take the current time as a parameter, so expiry follows the caller's clock
/// (and tests can move it), not only the wall clock.
public struct AccessTokenIssuer: Sendable {
    /// The smallest signing key accepted, in bytes (the HS256 output size).
    public static let minimumKeyByteCount = 32
    /// How far in the future `iat` may lie before a token is rejected, to allow for clock skew
    /// between servers.
    public static let clockSkewLeeway: TimeInterval = 60

    private let keys: JWTKeyCollection

    /// Creates an issuer. The key must be at least 32 bytes; a shorter one is a configuration
    /// mistake that would make tokens forgeable, and traps.
    public init(signingKey: [UInt8]) async {
        precondition(
            signingKey.count >= Self.minimumKeyByteCount, "the access token signing key must be at least 32 bytes")
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(key: SymmetricKey(data: signingKey)), digestAlgorithm: .sha256)
        self.keys = keys
    }

    /// Issues a token for `tenantID` and `clientID` granting `scopes`, valid from `now` for
    /// `lifetime` (whole seconds, at least one).
    ///
    /// Throws `invalid_token_lifetime` for a lifetime under a second and `invalid_scope` for a
    /// scope that is empty or contains whitespace.
    public func issue(
        tenantID: String, clientID: String, scopes: [String], lifetime: Duration, now: Date
    ) async throws -> String {
        let seconds = lifetime.components.seconds
        guard seconds >= 1 else {
            throw ModelError(code: "invalid_token_lifetime", "access tokens must live at least one second")
        }
        for scope in scopes where scope.isEmpty || scope.contains(where: \.isWhitespace) {
            throw ModelError(code: "invalid_scope", "scopes must be non-empty and contain no whitespace")
        }
        let issuedAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let claims = AccessTokenClaims(
            sub: SubjectClaim(value: tenantID),
            clientID: clientID,
            scope: scopes.joined(separator: " "),
            iat: IssuedAtClaim(value: issuedAt),
            exp: ExpirationClaim(value: issuedAt.addingTimeInterval(TimeInterval(seconds))),
            jti: IDClaim(value: UUID().uuidString.lowercased()))
        return try await keys.sign(claims)
    }

    /// Verifies a token's signature, issuer and times against `now`, and returns its claims.
    ///
    /// Throws `token_expired` when `now` is at or after `exp`, and `invalid_token` when the token
    /// is malformed, signed with another key, not issued by notify, or issued in the future.
    public func verify(_ token: String, now: Date) async throws(ModelError) -> AccessTokenClaims {
        let claims: AccessTokenClaims
        do {
            claims = try await keys.verify(token, as: AccessTokenClaims.self)
        } catch {
            throw ModelError(
                code: "invalid_token",
                "the access token is malformed, was not issued by notify, or its signature does not match; "
                    + "request a new one from POST /oauth/token")
        }
        do {
            try claims.exp.verifyNotExpired(currentDate: now)
        } catch {
            throw ModelError(
                code: "token_expired", "the access token has expired; request a new one from POST /oauth/token")
        }
        guard claims.iat.value.timeIntervalSince(now) <= Self.clockSkewLeeway else {
            throw ModelError(
                code: "invalid_token",
                "the access token claims to be issued in the future; check the server clocks are in sync")
        }
        return claims
    }
}
