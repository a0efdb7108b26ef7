import Foundation
import Hummingbird
import NotifyProviders

/// A tenant's webhook endpoint: `POST /hooks/{name}` records headers and body so the engine's
/// Standard Webhooks signatures can be checked.
struct WebhookReceiver: ProviderFaultAnswers {
    let core: SandboxCore
    var kind: ProviderKind { .webhook }

    func addRoutes(to router: Router<SandboxRequestContext>) {
        router.post("/hooks/:name") { request, context in await receive(request, context: context) }
    }

    func receive(_ request: Request, context: SandboxRequestContext) async -> Response {
        if let fault = await core.applyFaults(self, context: context) { return fault }
        let body = await request.collectBody(limit: 4 << 20) ?? Data()
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        core.record(
            RecordedMessage(
                provider: .webhook, providerMessageID: headers["webhook-id"], deliveryID: headers["webhook-id"],
                recipient: context.parameters.get("name"), body: String(decoding: body, as: UTF8.self),
                status: "accepted", httpStatus: 200, headers: headers))
        return HTTPResponses.empty(.ok)
    }

    func unavailable() -> Response { HTTPResponses.empty(.serviceUnavailable) }

    func rateLimited(retryAfterSeconds: Int) -> Response {
        HTTPResponses.empty(.tooManyRequests, headers: [.retryAfter: "\(retryAfterSeconds)"])
    }

    func serverError(status: Int) -> Response { HTTPResponses.empty(HTTPResponse.Status(code: status)) }
}
