import Foundation
import Hummingbird
import NotifyJSON
import NotifyProviders

/// SendGrid v3 Mail Send: `POST /v3/mail/send`, answered 202 with `X-Message-Id`.
struct SendGridSimulator: ProviderFaultAnswers {
    let core: SandboxCore
    var kind: ProviderKind { .sendgrid }

    func addRoutes(to router: Router<SandboxRequestContext>) {
        router.post("/v3/mail/send") { request, context in await send(request, context: context) }
    }

    func send(_ request: Request, context: SandboxRequestContext) async -> Response {
        if let fault = await core.applyFaults(self, context: context) { return fault }
        var record = RecordedMessage(provider: .sendgrid)
        guard let key = request.bearerToken else {
            return reject("authorization required", status: .unauthorized, record: record)
        }
        guard key == core.credentials.sendGridAPIKey else {
            return reject(
                "The provided authorization grant is invalid, expired, or revoked", status: .unauthorized,
                record: record)
        }
        guard let data = await request.collectBody(limit: 30 * 1024 * 1024) else {
            return reject("content too large", status: .contentTooLarge, record: record)
        }
        // Read with the engine's own JSON reader: Foundation's parser and the casts of its values
        // took about 3 % of the email benchmark's samples.
        guard let mail = try? JSONValue.object(parsing: String(decoding: data, as: UTF8.self)) else {
            return reject("Bad Request", status: .badRequest, record: record)
        }
        let validation = SendGridValidation(mail)
        let personalizations = mail["personalizations"]?.objectsValue ?? []
        let content = mail["content"]?.objectsValue ?? []
        record.recipient = validation.recipients.map(\.email).joined(separator: ", ")
        record.sender = mail["from"]?.objectValue?["email"]?.stringValue
        record.subject = personalizations.first?["subject"]?.stringValue ?? mail["subject"]?.stringValue
        record.body =
            (content.first { $0["type"]?.stringValue == "text/plain" } ?? content.first)?["value"]?.stringValue
        record.deliveryID =
            SendGridEvents.customArgs(mail, personalization: personalizations.first ?? [:])[
                DeliveryIDConvention.key]
        guard validation.isValid else {
            record.status = "sendgrid_400"
            record.httpStatus = 400
            core.record(record)
            return HTTPResponses.json(validation.errorsObject, status: .badRequest)
        }
        if mail["mail_settings"]?.objectValue?["sandbox_mode"]?.objectValue?["enable"]?.boolValue == true {
            return HTTPResponses.empty(.ok, headers: rateHeaders)  // validated, not sent, nothing recorded
        }
        let messageID = SandboxCredentials.randomToken(16)
        record.providerMessageID = messageID
        record.httpStatus = 202
        core.record(record)
        if core.callbackURL(.sendgrid) != nil {
            core.callbacks.sendGridBatch.append(
                SendGridEvents.events(
                    mail: mail, recipients: validation.recipients, messageID: messageID,
                    defaultEvents: core.configuration.sendGridEvents))
        }
        return HTTPResponses.empty(.accepted, headers: rateHeaders.merging([.xMessageID: messageID]))
    }

    private var rateHeaders: HTTPFields {
        [
            HTTPField.Name("X-RateLimit-Limit")!: "600", HTTPField.Name("X-RateLimit-Remaining")!: "599",
            HTTPField.Name("X-RateLimit-Reset")!: "\(Int(Date().timeIntervalSince1970) + 60)",
        ]
    }

    private func reject(_ message: String, status: HTTPResponse.Status, record: RecordedMessage) -> Response {
        var record = record
        record.status = "sendgrid_\(status.code)"
        record.httpStatus = Int(status.code)
        core.record(record)
        return Self.error(message, status: status)
    }

    static func error(_ message: String, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        HTTPResponses.json(
            ["errors": [["message": message, "field": NSNull(), "help": NSNull()]]], status: status, headers: headers)
    }

    func unavailable() -> Response { Self.error("service unavailable", status: .serviceUnavailable) }

    func rateLimited(retryAfterSeconds: Int) -> Response {
        var headers = rateHeaders
        headers[HTTPField.Name("X-RateLimit-Remaining")!] = "0"
        headers[HTTPField.Name("X-RateLimit-Reset")!] = "\(Int(Date().timeIntervalSince1970) + retryAfterSeconds)"
        headers[.retryAfter] = "\(retryAfterSeconds)"
        return Self.error("too many requests", status: .tooManyRequests, headers: headers)
    }

    func serverError(status: Int) -> Response {
        Self.error("internal error", status: HTTPResponse.Status(code: status))
    }
}

extension HTTPFields {
    /// These fields with `other`'s values added (replacing same-named ones).
    func merging(_ other: HTTPFields) -> HTTPFields {
        var result = self
        for field in other { result[field.name] = field.value }
        return result
    }
}
