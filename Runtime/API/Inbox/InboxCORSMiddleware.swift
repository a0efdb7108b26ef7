import Hummingbird

/// Lets web pages of the allowed origins (``InboxOrigins``) call the inbox API (`/v1/inbox…`) from
/// the browser: preflight `OPTIONS` requests are answered, and every answer, errors included,
/// names the origin in `Access-Control-Allow-Origin`. Hummingbird's `CORSMiddleware` does the work.
///
/// The rest of the API is for the tenant's backend, with its API key: it answers no CORS, so a
/// browser refuses to call it from a page, and an API key is not tempted into one.
struct InboxCORSMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let origins: InboxOrigins
    private let cors: CORSMiddleware<APIRequestContext>

    init(origins: InboxOrigins) {
        self.origins = origins
        // The request headers an inbox client sends: its signature's three or its token, and
        // `Last-Event-ID` for an `EventSource` polyfill that sets it itself.
        cors = CORSMiddleware(
            allowOrigin: origins == .any ? .all : .originBased,
            allowHeaders: [
                .accept, .contentType, .init("X-Notify-Tenant")!, .init("X-Notify-User")!,
                .init("X-Notify-Signature")!, .init("X-Notify-Token")!, .init("Last-Event-ID")!,
            ],
            allowMethods: [.get, .post, .patch, .options], maxAge: .seconds(600))
    }

    /// Whether `path` is the inbox API's.
    static func isInbox(_ path: String) -> Bool {
        path == "/v1/inbox" || path.hasPrefix("/v1/inbox/")
    }

    func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        guard Self.isInbox(request.uri.path), origins.allows(request.headers[.origin]) else {
            return try await next(request, context)
        }
        return try await cors.handle(request, context: context, next: next)
    }
}
