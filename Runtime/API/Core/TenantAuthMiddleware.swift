import Foundation
import Hummingbird
import NotifyModel
import PostgresNIO

/// Authenticates tenant routes: `Authorization: Bearer <api key>` (`nk_…`, hashed at rest, not
/// revoked) or `Bearer <access token>` from `POST /oauth/token`; then applies the tenant's rate
/// limit (429 with `Retry-After`).
public struct TenantAuthMiddleware: RouterMiddleware {
    public typealias Context = APIRequestContext
    let dependencies: APIDependencies

    public func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw APIError(
                .unauthorized, code: "unauthenticated",
                "send Authorization: Bearer <api key or access token>; create a key with `notify keys create`",
                headers: [.wwwAuthenticate: "Bearer"])
        }
        let credential = String(header.dropFirst("bearer ".count).trimmingBlanks())
        let (tenantID, rate) =
            credential.hasPrefix("nk_") ? try await tenant(forKey: credential) : try await tenant(forToken: credential)
        var context = context
        context.tenantID = tenantID
        context.logger[metadataKey: "tenant"] = .string(tenantID)
        if let retryAfter = await dependencies.limiter.take(tenantID, perSecond: rate) {
            throw APIError(
                .tooManyRequests, code: "rate_limited",
                "this tenant is over its request rate; retry after \(retryAfter) s or ask for a higher limit",
                headers: [.retryAfter: String(retryAfter)])
        }
        return try await next(request, context)
    }

    /// The key's tenant and its request rate, after checking the key's hash and revocation.
    func tenant(forKey presented: String) async throws -> (String, Int) {
        let parsed: (id: String, secret: String)
        do {
            parsed = try APIKey.parse(presented)
        } catch {
            throw APIError(.unauthorized, code: error.code, error.message)
        }
        guard
            let record = try await dependencies.lookups.keys.load(
                parsed.id, context: APICaller(logger: dependencies.logger))
        else { throw Self.invalidKey }
        guard APIKey.verify(secret: parsed.secret, against: Array(record.secretHash)) else { throw Self.invalidKey }
        if record.revoked {
            throw APIError(.unauthorized, code: "api_key_revoked", "this API key was revoked; create a new one")
        }
        return (record.tenantID, record.requestsPerSecond)
    }

    func tenant(forToken token: String) async throws -> (String, Int) {
        let tenantID: String
        do {
            tenantID = try await dependencies.tokens.verify(token, now: Date()).tenantID
        } catch {
            throw APIError(.unauthorized, code: error.code, error.message, headers: [.wwwAuthenticate: "Bearer"])
        }
        let rows = try await dependencies.rows("SELECT requests_per_second FROM notify.tenants WHERE id = \(tenantID)")
        guard let row = rows.first else {
            throw APIError(.unauthorized, code: "unknown_tenant", "the token's tenant no longer exists")
        }
        return (tenantID, Int(try row.decode(Int32.self)))
    }

    static let invalidKey = APIError(
        .unauthorized, code: "invalid_api_key", "this API key is not valid; check it was copied whole",
        headers: [.wwwAuthenticate: "Bearer"])

    /// Creates the middleware.
    public init(dependencies: APIDependencies) { self.dependencies = dependencies }
}
