import Foundation
import Hummingbird
import NotifyProviders

/// The Vonage (Nexmo) SMS API: `POST /sms/json`, form or JSON, authenticated with `api_secret`
/// or a signed request (`sig`, HMAC-SHA256 with the signature secret); errors are HTTP 200 with
/// a non-zero `status` in `messages[0]`, as the real API answers.
struct VonageSimulator: ProviderFaultAnswers {
    let core: SandboxCore
    var kind: ProviderKind { .vonage }

    func addRoutes(to router: Router<SandboxRequestContext>) {
        router.post("/sms/json") { request, context in await send(request, context: context) }
    }

    func send(_ request: Request, context: SandboxRequestContext) async -> Response {
        if let fault = await core.applyFaults(self, context: context) { return fault }
        let data = await request.collectBody(limit: 1 << 20) ?? Data()
        let fields = Self.fields(data, contentType: request.headers[.contentType])
        let credentials = core.credentials
        let to = fields["to"] ?? ""
        var record = RecordedMessage(
            provider: .vonage, deliveryID: fields["client-ref"], recipient: to, sender: fields["from"],
            body: fields["text"])
        guard let key = fields["api_key"], fields["api_secret"] != nil || fields["sig"] != nil else {
            return reject("2", "Missing api_key or api_secret", to: to, record: record)
        }
        if fields["sig"] != nil {
            let verifier = VonageSignature(secret: credentials.vonageSignatureSecret, method: .sha256)
            guard key == credentials.vonageAPIKey, (try? verifier.verify(parameters: fields)) != nil else {
                return reject("14", "Invalid Signature", to: to, record: record)
            }
        } else if key != credentials.vonageAPIKey || fields["api_secret"] != credentials.vonageAPISecret {
            return reject("4", "Bad Credentials", to: to, record: record)
        }
        for name in ["from", "to", "text"] where (fields[name] ?? "").isEmpty {
            return reject("2", "Missing \(name) param", to: to, record: record)
        }
        if let magic = MagicRecipients.vonageSync[to] {
            return reject(magic.status, magic.text, to: to, record: record)
        }
        guard TwilioSimulator.isE164(to.hasPrefix("+") ? to : "+" + to), to.count >= 7 else {
            return reject("3", "Invalid to number", to: to, record: record)
        }
        let messageID = SandboxCredentials.randomHex(8).uppercased()
        record.providerMessageID = messageID
        core.record(record)
        scheduleReceipt(messageID: messageID, fields: fields)
        var message: [String: Any] = [
            "to": to, "message-id": messageID, "status": "0", "remaining-balance": "100.00000000",
            "message-price": "0.00570000", "network": "310260",
        ]
        if let reference = fields["client-ref"] { message["client-ref"] = reference }
        return HTTPResponses.json(["message-count": "1", "messages": [message]], status: .ok)
    }

    private func scheduleReceipt(messageID: String, fields: [String: String]) {
        guard let url = fields["callback"] ?? core.callbackURL(.vonage) else { return }
        let failure = MagicRecipients.vonageAsync(fields["to"] ?? "")
        let request = VonageReceipts.receipt(
            messageID: messageID, to: fields["to"] ?? "", from: fields["from"] ?? "", clientRef: fields["client-ref"],
            status: failure?.status ?? "delivered", errorCode: failure?.code ?? "0", url: url,
            credentials: core.credentials)
        core.callbacks.enqueue(CallbackJob(requests: [request]))
    }

    /// Form or JSON fields, as strings.
    static func fields(_ data: Data, contentType: String?) -> [String: String] {
        if contentType?.contains("json") == true {
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            return object.compactMapValues { value in
                if let string = value as? String { return string }
                if let number = value as? NSNumber { return number.stringValue }
                return nil
            }
        }
        return FormParameters(data).dictionary
    }

    private func reject(_ status: String, _ text: String, to: String, record: RecordedMessage) -> Response {
        var record = record
        record.status = "vonage_\(status)"
        core.record(record)
        return Self.error(status, text, httpStatus: .ok)
    }

    static func error(
        _ status: String, _ text: String, httpStatus: HTTPResponse.Status, headers: HTTPFields = [:]
    )
        -> Response
    {
        HTTPResponses.json(
            ["message-count": "1", "messages": [["status": status, "error-text": text]]], status: httpStatus,
            headers: headers)
    }

    func unavailable() -> Response { Self.error("5", "Internal Error", httpStatus: .serviceUnavailable) }

    func rateLimited(retryAfterSeconds: Int) -> Response {
        Self.error(
            "1", "Throughput Rate Exceeded - please wait [ 1000 ] and retry", httpStatus: .tooManyRequests,
            headers: [.retryAfter: "\(retryAfterSeconds)"])
    }

    func serverError(status: Int) -> Response {
        Self.error("5", "Internal Error", httpStatus: HTTPResponse.Status(code: status))
    }
}
