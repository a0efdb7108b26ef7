import Foundation
import Hummingbird
import NotifyProviders

/// FCM HTTP v1: the OAuth token endpoint `POST /token` (JWT-bearer grant) and
/// `POST /v1/projects/{project}/messages:send`.
struct FCMSimulator: ProviderFaultAnswers {
    let core: SandboxCore
    let issuer = FCMTokenIssuer()
    var kind: ProviderKind { .fcm }

    static let scopes = [
        "https://www.googleapis.com/auth/firebase.messaging", "https://www.googleapis.com/auth/cloud-platform",
    ]

    func addRoutes(to router: Router<SandboxRequestContext>) {
        router.post("/token") { request, _ in await token(request) }
        router.post("/v1/projects/:project/:action") { request, context in
            guard context.parameters.get("action") == "messages:send" else {
                return Self.error(404, "NOT_FOUND", "Requested entity was not found.", errorCode: nil)
            }
            return await send(request, context: context)
        }
    }

    func token(_ request: Request) async -> Response {
        let form = FormParameters(await request.collectBody(limit: 1 << 16) ?? Data())
        guard form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer" else {
            return grantError("unsupported_grant_type", "Invalid grant_type: \(form["grant_type"] ?? "")")
        }
        guard let assertion = form["assertion"], let jwt = CompactJWT(assertion) else {
            return grantError("invalid_grant", "Invalid JWT: the assertion is not a JWT.")
        }
        guard jwt.isSigned(by: core.credentials.fcmKey.publicKey) else {
            return grantError("invalid_grant", "Invalid JWT Signature.")
        }
        guard jwt.string("iss") == core.credentials.fcmClientEmail else {
            return grantError("invalid_grant", "Invalid JWT: unknown issuer.")
        }
        let audiences = [core.runningEndpoints?.tokenURL, "https://oauth2.googleapis.com/token"].compactMap { $0 }
        guard let audience = jwt.string("aud"), audiences.contains(audience) else {
            return grantError("invalid_grant", "Invalid JWT: the audience must be the token_uri.")
        }
        let now = Date().timeIntervalSince1970
        guard let iat = jwt.number("iat"), let exp = jwt.number("exp"), iat <= now + 300, exp > now, exp - iat <= 3600
        else {
            return grantError(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."
            )
        }
        let scopes = (jwt.string("scope") ?? "").split(separator: " ").map(String.init)
        guard scopes.contains(where: Self.scopes.contains) else {
            return grantError("invalid_scope", "The scope does not allow Firebase Cloud Messaging.")
        }
        let accessToken = issuer.issue(lifetime: .seconds(3600))
        return HTTPResponses.json(
            ["access_token": accessToken, "expires_in": 3599, "token_type": "Bearer"], status: .ok)
    }

    private func grantError(_ error: String, _ description: String) -> Response {
        HTTPResponses.json(["error": error, "error_description": description], status: .badRequest)
    }
}
