import Foundation
import Hummingbird
import NotifyModel
import PostgresNIO

/// Authenticates end-user inbox requests without the tenant's API key.
///
/// The tenant's backend computes `hex(HMAC-SHA256(inbox secret, user id))` (see `notify tenants
/// create`, which prints the secret once) and hands it to its client. The client sends the tenant,
/// the user id and that signature as headers (`X-Notify-Tenant`, `X-Notify-User`,
/// `X-Notify-Signature`) or, for `EventSource`, which cannot set headers, as the query parameters
/// `tenant`, `user` and `signature`. Or it sends an expiring token (``InboxToken``) as
/// `X-Notify-Token` (or `token`) with the tenant; a tenant can take only tokens (`inbox_auth`). After the tenant's secret is rotated, signatures made with
/// the one it replaced pass until that one's grace period ends. Each user may make ``APIDependencies/inboxRequestsPerSecond``
/// requests per second (a burst of twice that) of this process; beyond, 429 `rate_limited`.
struct InboxAuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let dependencies: APIDependencies

    static let invalidSignature = APIError(
        .unauthorized, code: "invalid_signature",
        "the inbox signature does not match; compute hex(HMAC-SHA256(inbox secret, user id)) on your backend")
    static let invalidToken = APIError(.unauthorized, code: "invalid_token", InboxToken.invalidTokenMessage)

    func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        let query = request.uri.queryParameters
        func value(_ header: String, _ parameter: String) -> String? {
            request.headers[named: header] ?? query.get(parameter)
        }
        let token = value("X-Notify-Token", "token")
        let signature = value("X-Notify-Signature", "signature")
        let named = value("X-Notify-User", "user")
        let unauthenticated = APIError(
            .unauthorized, code: "unauthenticated",
            "inbox requests need X-Notify-Tenant with X-Notify-Token, or with X-Notify-User and X-Notify-Signature "
                + "(or ?tenant=&token= / ?tenant=&user=&signature=)")
        guard let tenantID = value("X-Notify-Tenant", "tenant") else { throw unauthenticated }
        let externalID: String
        if let token {
            guard let subject = await InboxToken.unverifiedUser(token) else { throw Self.invalidToken }
            guard named == nil || named == subject else {
                throw APIError(
                    .unauthorized, code: "invalid_token", "the inbox token names another user than X-Notify-User")
            }
            externalID = subject
        } else if let named, signature != nil {
            externalID = named
        } else {
            throw unauthenticated
        }
        let rows = try await dependencies.rows(
            """
            SELECT t.inbox_secret,
                   CASE WHEN t.previous_inbox_secret_until > now() THEN t.previous_inbox_secret END,
                   t.inbox_auth, u.id
            FROM notify.tenants t
            LEFT JOIN notify.users u ON u.tenant_id = t.id AND u.external_id = \(externalID)
            WHERE t.id = \(tenantID)
            """)
        guard let row = rows.first else { throw token == nil ? Self.invalidSignature : Self.invalidToken }
        let (secret, previous, inboxAuth, userID) = try row.decode((Data, Data?, String, Int64?).self)
        let secrets = [Array(secret)] + (previous.map { [Array($0)] } ?? [])
        if let token {
            do {
                _ = try await InboxToken.verify(token, secrets: secrets, now: Date())
            } catch {
                throw APIError(.unauthorized, code: error.code, error.message)
            }
        } else if inboxAuth == "token" {
            throw APIError(
                .unauthorized, code: "token_required",
                "this tenant's inbox takes only expiring tokens: send X-Notify-Token, a JWT signed with HS256 under "
                    + "the inbox secret with the user in sub and an exp")
        } else if let signature,
            !secrets.contains(where: { InboxSignature.verify(userID: externalID, signature: signature, secret: $0) })
        {
            throw Self.invalidSignature
        }
        guard let userID else { throw APIError.notFound("user", externalID) }
        let rate = dependencies.inboxRequestsPerSecond
        if let retryAfter = dependencies.inboxLimiter.take("\(tenantID):\(userID)", perSecond: rate) {
            InboxMetrics.refused("rate_limited")
            throw APIError(
                .tooManyRequests, code: "rate_limited",
                "this user is over the inbox's \(rate) requests per second; retry after \(retryAfter) s",
                headers: [.retryAfter: String(retryAfter)])
        }
        var context = context
        context.inboxUser = InboxUser(tenantID: tenantID, userID: userID, externalID: externalID)
        return try await next(request, context)
    }
}
