import Foundation
import Hummingbird
import NotifyProviders

/// Twilio Programmable Messaging: `POST /2010-04-01/Accounts/{sid}/Messages.json`.
struct TwilioSimulator: ProviderFaultAnswers {
    let core: SandboxCore
    var kind: ProviderKind { .twilio }

    func addRoutes(to router: Router<SandboxRequestContext>) {
        // The account and its auth token, or the API key and its secret.
        let credentials = core.credentials
        let accepted = AcceptedBasicCredentials([
            (credentials.twilioAccountSID, credentials.twilioAuthToken),
            (credentials.twilioAPIKeySID, credentials.twilioAPIKeySecret),
        ])
        router.post("/2010-04-01/Accounts/:sid/Messages.json") { request, context in
            await send(request, context: context, accepted: accepted)
        }
    }

    func send(_ request: Request, context: SandboxRequestContext, accepted: AcceptedBasicCredentials) async -> Response
    {
        if let fault = await core.applyFaults(self, context: context) { return fault }
        let credentials = core.credentials
        guard accepted.accept(request),
            context.parameters.get("sid") == credentials.twilioAccountSID
        else {
            return reject(20003, "Authenticate", status: .unauthorized, record: RecordedMessage(provider: .twilio))
        }
        let form = FormParameters(await request.collectBodyBuffer(limit: 1 << 20) ?? ByteBuffer())
        let to = form["To"] ?? ""
        let from = form["From"] ?? form["MessagingServiceSid"]
        let body = form["Body"] ?? ""
        let statusCallback = form["StatusCallback"]
        var record = RecordedMessage(
            provider: .twilio, deliveryID: statusCallback.flatMap(DeliveryIDConvention.fromURL), recipient: to,
            sender: from, body: body)
        if to.isEmpty { return reject(21604, "A 'To' phone number is required.", record: record) }
        if from == nil { return reject(21603, "A 'From' phone number is required.", record: record) }
        if body.isEmpty && form["MediaUrl"] == nil && form["ContentSid"] == nil {
            return reject(21602, "Message body is required.", record: record)
        }
        if body.count > 1600 {
            return reject(21617, "The concatenated message body exceeds the 1600 character limit.", record: record)
        }
        if let magic = MagicRecipients.twilioSync[to] { return reject(magic.code, magic.message, record: record) }
        guard Self.isE164(to) else {
            return reject(21211, "The 'To' number \(to) is not a valid phone number.", record: record)
        }
        let sid = "SM" + SandboxCredentials.randomHex(16)
        record.providerMessageID = sid
        core.record(record)
        let message = TwilioMessage(
            sid: sid, accountSID: credentials.twilioAccountSID, from: form["From"], to: to, body: body,
            messagingServiceSID: form["MessagingServiceSid"])
        scheduleCallbacks(message, statusCallback: statusCallback)
        let resource = message.resource(status: form["MessagingServiceSid"] == nil ? "queued" : "accepted")
        return HTTPResponses.bytes(
            ByteBuffer(string: resource), status: .created, contentType: "application/json", headers: [:])
    }

    /// `+` then 2–15 digits, the first not zero.
    static func isE164(_ number: String) -> Bool {
        let bytes = Array(number.utf8)
        guard bytes.count >= 3, bytes.count <= 16, bytes[0] == UInt8(ascii: "+"), bytes[1] != UInt8(ascii: "0") else {
            return false
        }
        return bytes.dropFirst().allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    private func scheduleCallbacks(_ message: TwilioMessage, statusCallback: String?) {
        guard let url = statusCallback ?? core.callbackURL(.twilio) else { return }
        let final = MagicRecipients.twilioAsync(message.to)
        // queued (the answer) → sending → sent → delivered or undelivered, each change after the
        // first a callback (reference §1.4, §7); `failed` means the message never left Twilio.
        var steps: [(status: String, errorCode: Int?)] = [("sending", nil), ("sent", nil)]
        steps.append(final.map { ($0.status, $0.code) } ?? ("delivered", nil))
        if final?.status == "failed" { steps = [("failed", final?.code)] }
        let requests = steps.map { step in
            TwilioCallbacks.statusCallback(
                message, status: step.status, errorCode: step.errorCode, url: url,
                authToken: core.credentials.twilioAuthToken)
        }
        core.callbacks.enqueue(CallbackJob(requests: requests))
    }

    private func reject(
        _ code: Int, _ message: String, status: HTTPResponse.Status = .badRequest, record: RecordedMessage
    ) -> Response {
        var record = record
        record.status = "twilio_\(code)"
        record.httpStatus = Int(status.code)
        core.record(record)
        return Self.error(code, message, status: status)
    }

    static func error(
        _ code: Int, _ message: String, status: HTTPResponse.Status, headers: HTTPFields = [:]
    ) -> Response {
        HTTPResponses.json(
            [
                "code": code, "message": message, "more_info": "https://www.twilio.com/docs/errors/\(code)",
                "status": Int(status.code),
            ],
            status: status, headers: headers)
    }

    func unavailable() -> Response { Self.error(20503, "Service Unavailable", status: .serviceUnavailable) }

    func rateLimited(retryAfterSeconds: Int) -> Response {
        Self.error(20429, "Too Many Requests", status: .tooManyRequests, headers: [.retryAfter: "\(retryAfterSeconds)"])
    }

    func serverError(status: Int) -> Response {
        Self.error(20500, "Internal Server Error", status: HTTPResponse.Status(code: status))
    }
}
