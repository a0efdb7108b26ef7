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
/// `tenant`, `user` and `signature`. After the tenant's secret is rotated, signatures made with
/// the one it replaced pass until that one's grace period ends. Each user may make ``APIDependencies/inboxRequestsPerSecond``
/// requests per second (a burst of twice that) of this process; beyond, 429 `rate_limited`.
struct InboxAuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let dependencies: APIDependencies

    func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        let query = request.uri.queryParameters
        func value(_ header: String, _ parameter: String) -> String? {
            request.headers[named: header] ?? query.get(parameter)
        }
        guard let tenantID = value("X-Notify-Tenant", "tenant"), let externalID = value("X-Notify-User", "user"),
            let signature = value("X-Notify-Signature", "signature")
        else {
            throw APIError(
                .unauthorized, code: "unauthenticated",
                "inbox requests need X-Notify-Tenant, X-Notify-User and X-Notify-Signature (or ?tenant=&user=&signature=)"
            )
        }
        let rows = try await dependencies.rows(
            """
            SELECT t.inbox_secret,
                   CASE WHEN t.previous_inbox_secret_until > now() THEN t.previous_inbox_secret END,
                   u.id
            FROM notify.tenants t
            LEFT JOIN notify.users u ON u.tenant_id = t.id AND u.external_id = \(externalID)
            WHERE t.id = \(tenantID)
            """)
        guard let row = rows.first, case let (secret, previous, userID) = try row.decode((Data, Data?, Int64?).self),
            ([secret] + (previous.map { [$0] } ?? [])).contains(where: {
                InboxSignature.verify(userID: externalID, signature: signature, secret: Array($0))
            })
        else {
            throw APIError(
                .unauthorized, code: "invalid_signature",
                "the inbox signature does not match; compute hex(HMAC-SHA256(inbox secret, user id)) on your backend")
        }
        guard let userID else { throw APIError.notFound("user", externalID) }
        let rate = dependencies.inboxRequestsPerSecond
        if let retryAfter = dependencies.inboxLimiter.take("\(tenantID):\(userID)", perSecond: rate) {
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
