import Foundation
import JWTKit

/// Makes APNs provider tokens: ES256 JWTs with `kid`, `iss` (team id) and `iat` (reference §4.2).
public struct APNsTokenSigner: Sendable {
    /// A token is replaced after this age (Apple: at most every 20 minutes, at least every 60).
    public static let refreshAge: Duration = .seconds(40 * 60)
    /// Apple rejects tokens older than this.
    public static let maximumAge: Duration = .seconds(60 * 60)
    /// Apple rejects more frequent token changes.
    public static let minimumAge: Duration = .seconds(20 * 60)

    private let keys: JWTKeyCollection
    private let keyID: String
    private let teamID: String

    /// Creates a signer; throws a configuration failure if the key is not a P-256 `.p8` PEM.
    public init(configuration: APNsConfiguration) async throws(ProviderFailure) {
        let key: ES256PrivateKey
        do {
            key = try ES256PrivateKey(pem: configuration.privateKey)
        } catch {
            throw ProviderFailure(
                kind: .configuration, code: "apns_private_key_invalid",
                message: "The APNs private_key is not a P-256 .p8 key in PEM.")
        }
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: JWKIdentifier(string: configuration.keyID))
        self.keys = keys
        self.keyID = configuration.keyID
        self.teamID = configuration.teamID
    }

    /// A token issued at `issuedAt`, returned with the time it must be replaced by: the refresh
    /// age (40 minutes) after issue.
    public func token(issuedAt: Date) async -> Result<BearerToken, ProviderFailure> {
        do {
            let jwt = try await keys.sign(
                Claims(iss: teamID, iat: Int64(issuedAt.timeIntervalSince1970)), kid: JWKIdentifier(string: keyID))
            return .success(
                BearerToken(
                    value: jwt,
                    expiresAt: issuedAt.addingTimeInterval(Double(Self.refreshAge.components.seconds))))
        } catch {
            return .failure(
                ProviderFailure(
                    kind: .configuration, code: "apns_token_signing_failed", message: "Signing the APNs token failed."))
        }
    }

    /// The provider token's claims.
    public struct Claims: JWTPayload, Equatable {
        /// The team id.
        public var iss: String
        /// Issued-at, unix seconds.
        public var iat: Int64

        /// Creates claims.
        public init(iss: String, iat: Int64) {
            self.iss = iss
            self.iat = iat
        }

        /// Apple checks the claims, not us.
        public func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
}
