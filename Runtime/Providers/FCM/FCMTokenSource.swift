import AsyncHTTPClient
import Foundation
import JWTKit
import NIOHTTP1

/// Gets OAuth 2.0 access tokens for a service account with the JWT bearer grant (RFC 7523,
/// reference §3.3): an RS256 assertion posted to the token endpoint.
public struct FCMTokenSource: Sendable {
    private let configuration: FCMConfiguration
    private let keys: JWTKeyCollection
    private let httpClient: HTTPClient
    private let now: @Sendable () -> Date
    private let timeout: Duration

    /// Creates a token source; throws a configuration `ProviderFailure` if the key is not an RSA
    /// private key in PEM.
    public init(
        configuration: FCMConfiguration, httpClient: HTTPClient, timeout: Duration = .seconds(10),
        now: @escaping @Sendable () -> Date = { Date() }
    ) async throws(ProviderFailure) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.now = now
        self.timeout = timeout
        self.keys = try await Self.keyCollection(configuration)
    }

    static func keyCollection(_ configuration: FCMConfiguration) async throws(ProviderFailure) -> JWTKeyCollection {
        let key: Insecure.RSA.PrivateKey
        do {
            key = try Insecure.RSA.PrivateKey(pem: configuration.privateKey)
        } catch {
            throw ProviderFailure(
                kind: .configuration, code: "fcm_private_key_invalid",
                message: "The service account private_key is not an RSA private key in PEM.")
        }
        let keys = JWTKeyCollection()
        await keys.add(
            rsa: key, digestAlgorithm: .sha256, kid: configuration.privateKeyID.map { JWKIdentifier(string: $0) })
        return keys
    }

    /// Fetches a new token; every failure is classified.
    public func fetch() async -> Result<BearerToken, ProviderFailure> {
        let issuedAt = now()
        let assertion: String
        do {
            assertion = try await keys.sign(
                Self.claims(configuration, issuedAt: issuedAt),
                kid: configuration.privateKeyID.map { JWKIdentifier(string: $0) })
        } catch {
            return .failure(
                ProviderFailure(
                    kind: .configuration, code: "fcm_assertion_failed", message: "Signing the OAuth assertion failed."))
        }
        let request = Self.makeTokenRequest(assertion: assertion, configuration: configuration)
        switch await HTTPExchange.perform(
            request, on: httpClient, deadline: ContinuousClock.now + timeout)
        {
        case .success(let response): return Self.parseTokenResponse(response, issuedAt: issuedAt)
        case .failure(let failure):
            // Nothing is sent to a device by the token call, so an unknown outcome is just transient.
            return .failure(
                ProviderFailure(
                    kind: failure.kind == .configuration ? .configuration : .transient,
                    code: "fcm_token_\(failure.code)",
                    message: "Getting an OAuth token failed: \(failure.message)"))
        }
    }

    /// The JWT claims: `iss`, `scope`, `aud`, `iat`, `exp` (one hour).
    public static func claims(_ configuration: FCMConfiguration, issuedAt: Date) -> AssertionClaims {
        let iat = Int64(issuedAt.timeIntervalSince1970)
        return AssertionClaims(
            iss: configuration.clientEmail, scope: configuration.scope, aud: configuration.tokenURI, iat: iat,
            exp: iat + 3600)
    }

    /// The token request: a form POST with the JWT bearer grant.
    public static func makeTokenRequest(assertion: String, configuration: FCMConfiguration) -> ProviderHTTPRequest {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        headers.add(name: "Accept", value: "application/json")
        let body = FormURLEncoding.encode([
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion),
        ])
        return ProviderHTTPRequest(url: configuration.tokenURI, headers: headers, body: Array(body.utf8))
    }

    /// Reads `access_token` and `expires_in`; RFC 6749 errors are configuration problems except
    /// the temporary ones Google's library retries.
    public static func parseTokenResponse(
        _ response: ProviderHTTPResponse, issuedAt: Date
    )
        -> Result<BearerToken, ProviderFailure>
    {
        if response.status == 200 {
            guard let body = try? JSONDecoder().decode(TokenBody.self, from: Data(response.body)),
                let token = body.accessToken, !token.isEmpty
            else {
                return .failure(
                    ProviderFailure(
                        kind: .transient, code: "fcm_token_unreadable",
                        message: "The token endpoint's answer was unreadable."))
            }
            return .success(
                BearerToken(value: token, expiresAt: issuedAt.addingTimeInterval(Double(body.expiresIn ?? 3600))))
        }
        let error =
            (try? JSONDecoder().decode(TokenBody.self, from: Data(response.body)))?.error ?? "http_\(response.status)"
        let temporary: Set<String> = ["internal_failure", "server_error", "temporarily_unavailable"]
        if [408, 429, 500, 503, 504].contains(response.status) || temporary.contains(error) {
            return .failure(
                ProviderFailure(
                    kind: .transient, code: "fcm_token_\(error)",
                    message: "The token endpoint had a temporary failure (HTTP \(response.status))."))
        }
        return .failure(
            ProviderFailure(
                kind: .configuration, code: "fcm_token_\(error)",
                message: "The token endpoint refused the service account (\(error)); check the key file."))
    }

    /// The claims of the OAuth assertion.
    public struct AssertionClaims: JWTPayload, Equatable {
        /// The service account email.
        public var iss: String
        /// The space-separated scopes.
        public var scope: String
        /// The token endpoint.
        public var aud: String
        /// Issued-at, unix seconds.
        public var iat: Int64
        /// Expiry, unix seconds (one hour after `iat`).
        public var exp: Int64

        /// Creates claims.
        public init(iss: String, scope: String, aud: String, iat: Int64, exp: Int64) {
            self.iss = iss
            self.scope = scope
            self.aud = aud
            self.iat = iat
            self.exp = exp
        }

        /// Claims are checked by Google, not here.
        public func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    private struct TokenBody: Decodable {
        var accessToken: String?
        var expiresIn: Int?
        var error: String?
        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token"
            case expiresIn = "expires_in"
            case error
        }
    }
}
