import Foundation
import JWTKit

/// The claims of an OAuth2 client-credentials access token issued by ``AccessTokenIssuer``.
///
/// In JSON: `sub` (tenant id), `client_id`, `scope` (space-separated), `iat`, `exp`, `iss`
/// (always `notify`) and `jti`.
///
/// ``verify(using:)`` checks only the issuer. Expiry is checked by
/// ``AccessTokenIssuer/verify(_:now:)`` against an injected clock, so always verify tokens through
/// the issuer rather than a bare `JWTKeyCollection`.
public struct AccessTokenClaims: JWTPayload, Equatable {
    /// The only issuer notify accepts.
    public static let issuer = "notify"

    /// The tenant the token acts for.
    public var sub: SubjectClaim
    /// The OAuth client the token was issued to (`client_id`).
    public var clientID: String
    /// The granted scopes, space-separated.
    public var scope: String
    /// When the token was issued.
    public var iat: IssuedAtClaim
    /// When the token expires.
    public var exp: ExpirationClaim
    /// Who issued the token; always ``issuer``.
    public var iss: IssuerClaim
    /// A unique id for the token.
    public var jti: IDClaim

    /// The tenant id, ``sub``'s value.
    public var tenantID: String { sub.value }

    /// The granted scopes as a list.
    public var scopes: [String] { scope.split(separator: " ").map(String.init) }

    /// Creates claims from their parts.
    public init(
        sub: SubjectClaim, clientID: String, scope: String, iat: IssuedAtClaim, exp: ExpirationClaim,
        iss: IssuerClaim = IssuerClaim(value: AccessTokenClaims.issuer), jti: IDClaim
    ) {
        self.sub = sub
        self.clientID = clientID
        self.scope = scope
        self.iat = iat
        self.exp = exp
        self.iss = iss
        self.jti = jti
    }

    enum CodingKeys: String, CodingKey {
        case sub
        case clientID = "client_id"
        case scope, iat, exp, iss, jti
    }

    /// Checks the issuer. Expiry is left to ``AccessTokenIssuer/verify(_:now:)``, which knows the
    /// current time.
    public func verify(using algorithm: some JWTAlgorithm) async throws {
        guard iss.value == Self.issuer else {
            throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "not issued by notify")
        }
    }
}
