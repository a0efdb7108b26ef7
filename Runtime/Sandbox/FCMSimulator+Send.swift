import Foundation
import Hummingbird
import NotifyJSON
import NotifyModel
import NotifyProviders

extension FCMSimulator {
    func send(_ request: Request, context: SandboxRequestContext) async -> Response {
        if let fault = await core.applyFaults(self, context: context) { return fault }
        var record = RecordedMessage(provider: .fcm)
        guard let token = request.bearerToken, issuer.isValid(token) else {
            return reject(
                record, 401, "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
                errorCode: nil)
        }
        let project = context.parameters.get("project") ?? ""
        guard project == core.credentials.fcmProjectID else {
            return reject(
                record, 403, "PERMISSION_DENIED",
                "Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/\(project)' (or it may not exist).",
                errorCode: nil)
        }
        let data = await request.collectBody(limit: 1 << 20) ?? Data()
        // Read with the engine's own JSON reader: Foundation's took 1.1 % of the push benchmark.
        guard let envelope = try? JSONValue.object(parsing: String(decoding: data, as: UTF8.self)),
            let message = envelope["message"]?.objectValue
        else { return invalid(record, "Invalid JSON payload received.", field: "message") }
        let notification = message["notification"]?.objectValue ?? [:]
        let payload = message["data"]?.objectValue ?? [:]
        record.recipient = message["token"]?.stringValue ?? message["topic"]?.stringValue.map { "/topics/" + $0 }
        record.subject = notification["title"]?.stringValue
        record.body = notification["body"]?.stringValue
        record.deliveryID = payload[FCMClient.deliveryIDDataKey]?.stringValue
        let targets = ["token", "topic", "condition", "fid"].filter { message[$0] != nil }
        guard targets.count == 1 else {
            return invalid(record, "Exactly one of token, topic, condition or fid must be given.", field: "message")
        }
        if payload.values.contains(where: { $0.stringValue == nil }) {
            return invalid(record, "Invalid value at 'message.data': values must be strings.", field: "message.data")
        }
        if let key = payload.keys.sorted().first(where: TemplateSource.isReservedByFCM) {
            return invalid(
                record, "Invalid data payload key: \(key). Keys \"from\", \"gcm\" and \"google*\" are reserved.",
                field: "message.data")
        }
        // Measured on the message as FCM sees it, re-serialised; only a body of some size can
        // reach the limit (re-serialising escapes at most doubles it), so small ones skip the work.
        if data.count > 2048, JSONValue.object(message).jsonText.utf8.count > 4096 {
            return invalid(record, "Message is too big.", field: "message")
        }
        if let token = message["token"]?.stringValue, let answer = magic(token, record: record) { return answer }
        let name =
            "projects/\(project)/messages/0:\(Int(Date().timeIntervalSince1970 * 1000))%\(SandboxCredentials.randomHex(8))"
        record.providerMessageID = name
        if envelope["validate_only"] != .bool(true) { core.record(record) }
        return HTTPResponses.bytes(
            Data(("{\"name\":" + JSONQuoting.quoted(name) + "}").utf8), status: .ok, contentType: "application/json",
            headers: [:])
    }

    private func magic(_ token: String, record: RecordedMessage) -> Response? {
        if token.hasPrefix("unregistered") {
            return reject(record, 404, "NOT_FOUND", "Requested entity was not found.", errorCode: "UNREGISTERED")
        }
        if token.hasPrefix("invalid") {
            return reject(
                record, 400, "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token",
                errorCode: "INVALID_ARGUMENT")
        }
        if token.hasPrefix("mismatch") {
            return reject(record, 403, "PERMISSION_DENIED", "SenderId mismatch", errorCode: "SENDER_ID_MISMATCH")
        }
        if token.hasPrefix("quota") {
            return reject(
                record, 429, "RESOURCE_EXHAUSTED", "Quota exceeded for the device.", errorCode: "QUOTA_EXCEEDED",
                headers: [.retryAfter: "60"])
        }
        return nil
    }

    private func invalid(_ record: RecordedMessage, _ message: String, field: String) -> Response {
        reject(record, 400, "INVALID_ARGUMENT", message, errorCode: "INVALID_ARGUMENT", violation: (field, message))
    }

    private func reject(
        _ record: RecordedMessage, _ code: Int, _ status: String, _ message: String, errorCode: String?,
        headers: HTTPFields = [:], violation: (String, String)? = nil
    ) -> Response {
        var record = record
        record.status = "fcm_" + (errorCode ?? status)
        record.httpStatus = code
        core.record(record)
        return Self.error(code, status, message, errorCode: errorCode, headers: headers, violation: violation)
    }

    /// The google.rpc error envelope, with an `FcmError` detail when there is an error code.
    static func error(
        _ code: Int, _ status: String, _ message: String, errorCode: String?, headers: HTTPFields = [:],
        violation: (field: String, description: String)? = nil
    ) -> Response {
        var details: [[String: Any]] = []
        if let errorCode {
            details.append(["@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": errorCode])
        }
        if let violation {
            details.append([
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [["field": violation.field, "description": violation.description]],
            ])
        }
        return HTTPResponses.json(
            ["error": ["code": code, "message": message, "status": status, "details": details]],
            status: HTTPResponse.Status(code: code), headers: headers)
    }

    func unavailable() -> Response {
        Self.error(503, "UNAVAILABLE", "The service is currently unavailable.", errorCode: "UNAVAILABLE")
    }

    func rateLimited(retryAfterSeconds: Int) -> Response {
        Self.error(
            429, "RESOURCE_EXHAUSTED", "Quota exceeded.", errorCode: "QUOTA_EXCEEDED",
            headers: [.retryAfter: "\(retryAfterSeconds)"])
    }

    func serverError(status: Int) -> Response {
        status == 503
            ? unavailable() : Self.error(status, "INTERNAL", "Internal error encountered.", errorCode: "INTERNAL")
    }
}
