import Foundation
import Hummingbird
import NotifyModel
import PostgresNIO

/// `POST /oauth/token`: the OAuth2 client-credentials grant (RFC 6749 §4.4) for server-to-server
/// callers. The client authenticates with HTTP Basic (`client_id:client_secret`) or form fields;
/// the answer is a short-lived signed access token to send as `Authorization: Bearer`. Errors use
/// the RFC 6749 §5.2 shape (`error`, `error_description`).
struct OAuthRoutes: Sendable {
    let dependencies: APIDependencies

    /// How long an access token lives.
    static let lifetime: Duration = .seconds(900)

    func add(to router: Router<APIRequestContext>) {
        router.post("oauth/token") { request, context in try await token(request, context) }
    }

    func token(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let data = try await JSONBody.bytes(request)
        var fields = Self.formFields(String(decoding: data, as: UTF8.self))
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":")
        {
            fields["client_id"] = String(pair[..<colon]).removingPercentEncoding
            fields["client_secret"] = String(pair[pair.index(after: colon)...]).removingPercentEncoding
        }
        guard fields["grant_type"] == "client_credentials" else {
            // RFC 6749 §4.4: the request is form-encoded; a JSON body is the usual slip.
            let isJSON = data.first.map { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "[") } ?? false
            return try Self.error(
                isJSON ? "invalid_request" : "unsupported_grant_type",
                isJSON
                    ? "send the token request form-encoded (Content-Type: application/x-www-form-urlencoded), "
                        + "not as JSON: grant_type=client_credentials&client_id=…&client_secret=…"
                    : "grant_type must be client_credentials", status: .badRequest)
        }
        guard let clientID = fields["client_id"], let secret = fields["client_secret"] else {
            return try Self.error(
                "invalid_client", "send client_id and client_secret (HTTP Basic or form fields)",
                status: .unauthorized)
        }
        let parsed: (id: String, secret: String)
        do { parsed = try ClientSecret.parse(secret) } catch {
            return try Self.error("invalid_client", error.message, status: .unauthorized)
        }
        let rows = try await dependencies.rows(
            """
            SELECT tenant_id, secret_hash FROM notify.oauth_clients
            WHERE id = \(parsed.id) AND revoked_at IS NULL
            """)
        guard let row = rows.first, parsed.id == clientID || "\(ClientSecret.prefix)_\(parsed.id)" == clientID,
            case let (tenantID, hash) = try row.decode((String, Data).self),
            ClientSecret.verify(secret: parsed.secret, against: Array(hash))
        else {
            return try Self.error("invalid_client", "unknown client or wrong secret", status: .unauthorized)
        }
        let token = try await dependencies.tokens.issue(
            tenantID: tenantID, clientID: parsed.id, scopes: ["notify"], lifetime: Self.lifetime, now: Date())
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        return try APIResponse.json(
            [
                "access_token": token, "token_type": "Bearer",
                "expires_in": Int(Self.lifetime.components.seconds), "scope": "notify",
            ] as [String: Any], status: .ok, headers: headers)
    }

    static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }

    static func error(_ code: String, _ description: String, status: HTTPResponse.Status) throws -> Response {
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Basic realm=\"notify\"" }
        return try APIResponse.json(
            ["error": code, "error_description": description] as [String: Any], status: status, headers: headers)
    }
}
