import Crypto
import Foundation
import Hummingbird
import NotifyModel
import PostgresNIO

/// One-click unsubscribe (RFC 8058) for commercial email: `POST /unsubscribe/{token}` (what mail
/// clients send with `List-Unsubscribe=One-Click`) opts the recipient out of the token's category
/// on email; `GET /unsubscribe/{token}` shows a page with a button that does the same (a GET never
/// changes anything, since mail scanners follow links).
struct UnsubscribeRoutes: Sendable {
    let dependencies: APIDependencies

    func add(to router: Router<APIRequestContext>) {
        router.get("unsubscribe/{token}") { _, context in try page(context) }
        router.post("unsubscribe/{token}") { _, context in try await unsubscribe(context) }
    }

    func page(_ context: APIRequestContext) throws -> Response {
        let token = try verified(context)
        let html = """
            <!doctype html><html><head><meta charset="utf-8"><title>Unsubscribe</title></head><body>
            <p>Stop receiving \(escape(token.category)) emails?</p>
            <form method="post"><button type="submit">Unsubscribe</button></form></body></html>
            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func unsubscribe(_ context: APIRequestContext) async throws -> Response {
        let token = try verified(context)
        let rows = try await dependencies.rows(
            """
            WITH target AS (
                SELECT id FROM notify.users WHERE id = \(token.userID) AND tenant_id = \(token.tenantID)
            )
            INSERT INTO notify.preferences AS p (user_id, tenant_id, channels)
            SELECT id, \(token.tenantID), jsonb_build_object(\(token.category)::text, '{"email": false}'::jsonb)
            FROM target
            ON CONFLICT (user_id) DO UPDATE SET
                channels = jsonb_set(p.channels, ARRAY[\(token.category)::text],
                                     coalesce(p.channels -> \(token.category)::text, '{}'::jsonb) || '{"email": false}'::jsonb),
                updated_at = now()
            WHERE p.tenant_id = \(token.tenantID)
            RETURNING user_id
            """)
        guard !rows.isEmpty else {
            throw APIError(.notFound, code: "recipient_gone", "this recipient no longer exists; nothing to unsubscribe")
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(
            status: .ok, headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: "<!doctype html><p>You are unsubscribed.</p>")))
    }

    private func verified(_ context: APIRequestContext) throws -> UnsubscribeToken {
        guard let key = dependencies.unsubscribeKey,
            let token = UnsubscribeToken.verify(context.parameters.get("token") ?? "", key: key)
        else {
            throw APIError(
                .notFound, code: "unsubscribe_link_invalid",
                "this unsubscribe link is not valid; use the link from the most recent email")
        }
        return token
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
