import Foundation
import Hummingbird
import NotifyFunctionKit
import NotifyModel
import NotifyProviders
import NotifyRuntime
import PostgresNIO

/// Provider callbacks: `POST /webhooks/{provider}/{account}` for `twilio`, `vonage` and `sendgrid`,
/// and `GET` for `vonage`, whose delivery receipts can be set to arrive as a signed query string.
///
/// The account's id in the path says whose secret verifies the signature and which tenant the
/// callback belongs to. A verified callback is stored raw and a `webhook-ingest` job enqueued in
/// one transaction, then answered at once (Twilio gets an empty TwiML document); the work happens
/// off the request. Unsigned callbacks get 401 and forged or stale ones 403, with nothing stored.
struct WebhookRoutes: Sendable {
    let dependencies: APIDependencies

    /// The largest callback body accepted (SendGrid batches are up to about 768 KB).
    static let maximumBody = 2 * 1024 * 1024

    func add(to router: Router<APIRequestContext>) {
        router.post("webhooks/{provider}/{account}") { request, context in try await receive(request, context) }
        router.get("webhooks/{provider}/{account}") { request, context in
            let provider = context.parameters.get("provider").flatMap(ProviderKind.init(rawValue:))
            guard provider != .twilio && provider != .sendgrid else {
                var headers = HTTPFields()
                headers[.allow] = "POST"
                throw APIError(
                    .methodNotAllowed, code: "method_not_allowed",
                    "provider callbacks are POSTed; only vonage delivery receipts may also arrive by GET",
                    headers: headers)
            }
            return try await receive(request, context)
        }
    }

    /// The query string of a GET receipt as the form body it stands for, without the parameter
    /// our own callback URL carries (`delivery_id`), which Vonage does not sign.
    static func queryAsForm(_ request: Request) -> Data {
        let query = request.uri.query ?? ""
        let kept = query.split(separator: "&").filter { !$0.hasPrefix("delivery_id=") && $0 != "delivery_id" }
        return Data(kept.joined(separator: "&").utf8)
    }

    func receive(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let providerName = context.parameters.get("provider") ?? ""
        let accountID = context.parameters.get("account") ?? ""
        guard let kind = ProviderKind(rawValue: providerName), [.twilio, .vonage, .sendgrid].contains(kind) else {
            throw APIError(
                .notFound, code: "unknown_callback_provider",
                "callbacks are received for twilio, vonage and sendgrid; \"\(providerName.prefix(40))\" is not one")
        }
        let rows = try await dependencies.rows(
            """
            SELECT tenant_id, config_cipher FROM notify.provider_accounts WHERE id = \(accountID) AND kind = \(kind.rawValue)
            """)
        guard let row = rows.first else {
            throw APIError(
                .notFound, code: "provider_account_not_found",
                "no \(kind.rawValue) provider account \"\(accountID.prefix(70))\" exists; check the account id in the callback URL configured at \(kind.rawValue) (/webhooks/\(kind.rawValue)/<account id>)"
            )
        }
        let (tenantID, sealed) = try row.decode((String, Data).self)
        let configuration: [String: Any]
        do {
            let text = try dependencies.cipher.open(Array(sealed))
            configuration = (try JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        } catch {
            throw APIError(
                .internalServerError, code: "provider_config_unreadable",
                "the provider account's configuration cannot be decrypted with this server's keys")
        }
        let isQuery = request.method == .get
        let body =
            isQuery ? Self.queryAsForm(request) : try await Data(buffer: request.body.collect(upTo: Self.maximumBody))
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let contentType = isQuery ? "application/x-www-form-urlencoded" : headers["content-type"] ?? ""
        do {
            try CallbackVerifier(kind: kind, configuration: configuration).verify(
                url: requestURL(request), headers: headers, contentType: contentType, body: body, now: Date())
        } catch let refusal as CallbackVerifier.Refusal {
            context.logger.warning(
                "provider callback refused",
                metadata: ["provider": "\(kind.rawValue)", "account": "\(accountID)", "code": "\(refusal.code)"])
            throw APIError(refusal.missing ? .unauthorized : .forbidden, code: refusal.code, refusal.message)
        }
        _ = try await PendingWakeup.afterTransaction(on: dependencies.client, logger: context.logger) { connection in
            try await store(
                kind: kind, tenantID: tenantID, accountID: accountID, contentType: contentType, body: body,
                on: connection, logger: context.logger)
        }
        if kind == .twilio {
            var fields = HTTPFields()
            fields[.contentType] = "text/xml"
            return Response(
                status: .ok, headers: fields,
                body: .init(
                    byteBuffer: ByteBuffer(string: #"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#)))
        }
        return Response(status: .noContent)
    }

    /// Stores the raw callback and enqueues its `webhook-ingest` job in the caller's transaction;
    /// returns the callback's id and the wake-up to send once it has committed (see
    /// ``PendingWakeup``).
    private func store(
        kind: ProviderKind, tenantID: String, accountID: String, contentType: String, body: Data,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> (callbackID: Int64, wakeup: PendingWakeup) {
        let inserted = try await connection.query(
            """
            INSERT INTO notify.provider_callbacks (tenant_id, account_id, kind, content_type, body)
            VALUES (\(tenantID), \(accountID), \(kind.rawValue), \(contentType), \(body))
            RETURNING id
            """, logger: logger)
        var callbackID: Int64 = 0
        for try await id in inserted.decode(Int64.self) { callbackID = id }
        let enqueued = try await dependencies.producer.enqueue(
            [
                try JobRequest(
                    function: "webhook-ingest",
                    input: WebhookIngestInput(tenantID: tenantID, callbackID: callbackID),
                    lane: .transactional, tenantID: tenantID)
            ], on: connection, wakingAfterCommit: true
        )
        return (callbackID, enqueued.wakeup)
    }

    /// The URL the provider requested, as it signed it: the configured public URL when the server
    /// sits behind a proxy, else the Host header.
    private func requestURL(_ request: Request) -> String {
        if let base = dependencies.publicURL {
            let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
            return trimmed + request.uri.description
        }
        let host = request.head.authority ?? "localhost"
        return "http://\(host)\(request.uri.description)"
    }
}
