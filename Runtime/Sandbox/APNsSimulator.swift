import Foundation
import Hummingbird
import NotifyProviders

/// APNs provider API on the HTTP/2 + TLS listener: `POST /3/device/{token}` with an ES256
/// provider token.
struct APNsSimulator: ProviderFaultAnswers {
    let core: SandboxCore
    let tokens = ProviderTokenTracker()
    var kind: ProviderKind { .apns }

    static let pushTypes: Set<String> = [
        "alert", "background", "location", "voip", "complication", "fileprovider", "mdm", "liveactivity", "pushtotalk",
        "widgets",
    ]

    func addRoutes(to router: Router<SandboxRequestContext>) {
        router.post("/3/device/:token") { request, context in await send(request, context: context) }
    }

    func send(_ request: Request, context: SandboxRequestContext) async -> Response {
        if let fault = await core.applyFaults(self, context: context) { return fault }
        let deviceToken = context.parameters.get("token") ?? ""
        let apnsID = request.headers[.apnsID]
        var record = RecordedMessage(provider: .apns, deliveryID: apnsID, recipient: deviceToken)
        if let failure = authenticate(request, context: context) { return reject(record, failure) }
        let data = await request.collectBody(limit: 1 << 16) ?? Data()
        let aps = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["aps"] as? [String: Any]
        let alert = aps?["alert"]
        record.subject = (alert as? [String: Any])?["title"] as? String
        record.body = (alert as? [String: Any])?["body"] as? String ?? alert as? String
        if let failure = validate(request, deviceToken: deviceToken, body: data) { return reject(record, failure) }
        let id = apnsID ?? UUID().uuidString.lowercased()
        record.providerMessageID = id
        core.record(record)
        return Response(
            status: .ok, headers: [.apnsID: id, HTTPField.Name("apns-unique-id")!: UUID().uuidString.lowercased()])
    }

    /// The provider token: present, ES256 by the sandbox key, right `kid` and `iss`, not older than an hour, no churn.
    private func authenticate(_ request: Request, context: SandboxRequestContext) -> (Int, String)? {
        guard let token = request.bearerToken else { return (403, "MissingProviderToken") }
        let credentials = core.credentials
        guard let jwt = CompactJWT(token), jwt.header["kid"] == credentials.apnsKeyID,
            jwt.string("iss") == credentials.apnsTeamID, jwt.isSigned(by: credentials.apnsKey.publicKey),
            let iat = jwt.number("iat")
        else { return (403, "InvalidProviderToken") }
        let now = Date().timeIntervalSince1970
        if iat < now - 3600 { return (403, "ExpiredProviderToken") }
        if iat > now + 300 { return (403, "InvalidProviderToken") }
        if !tokens.accept(token, connection: context.connection) { return (429, "TooManyProviderTokenUpdates") }
        return nil
    }

    private func validate(_ request: Request, deviceToken: String, body: Data) -> (Int, String)? {
        let headers = request.headers
        guard !deviceToken.isEmpty else { return (400, "MissingDeviceToken") }
        guard deviceToken.count >= 32, deviceToken.allSatisfy(\.isHexDigit) else { return (400, "BadDeviceToken") }
        guard let topic = headers[.apnsTopic], !topic.isEmpty else { return (400, "MissingTopic") }
        if let allowed = core.configuration.apnsTopic, topic != allowed, !topic.hasPrefix(allowed + ".") {
            return (400, "TopicDisallowed")
        }
        let pushType = headers[.apnsPushType] ?? "alert"
        guard Self.pushTypes.contains(pushType) else { return (400, "InvalidPushType") }
        let priority = headers[.apnsPriority] ?? "10"
        guard ["1", "5", "10"].contains(priority), !(pushType == "background" && priority == "10") else {
            return (400, "BadPriority")
        }
        if let id = headers[.apnsID], UUID(uuidString: id) == nil { return (400, "BadMessageId") }
        if let collapse = headers[.apnsCollapseID], collapse.utf8.count > 64 { return (400, "BadCollapseId") }
        if let expiration = headers[.apnsExpiration], Int(expiration) == nil { return (400, "BadExpirationDate") }
        guard !body.isEmpty else { return (400, "PayloadEmpty") }
        if body.count > (pushType == "voip" ? 5120 : 4096) { return (413, "PayloadTooLarge") }
        guard (try? JSONSerialization.jsonObject(with: body)) is [String: Any] else { return (400, "PayloadEmpty") }
        let lower = deviceToken.lowercased()
        if lower.hasPrefix("41041041") { return (410, "Unregistered") }
        if lower.hasPrefix("40040040") { return (400, "BadDeviceToken") }
        if lower.hasPrefix("42942942") { return (429, "TooManyRequests") }
        return nil
    }

    private func reject(_ record: RecordedMessage, _ failure: (status: Int, reason: String)) -> Response {
        var record = record
        record.status = "apns_" + failure.reason
        record.httpStatus = failure.status
        core.record(record)
        return Self.error(failure.status, failure.reason)
    }

    static func error(_ status: Int, _ reason: String, headers: HTTPFields = [:]) -> Response {
        var body: [String: Any] = ["reason": reason]
        if status == 410 { body["timestamp"] = Int(Date().timeIntervalSince1970 * 1000) }
        var fields = headers
        fields[.apnsID] = UUID().uuidString.lowercased()
        return HTTPResponses.json(body, status: HTTPResponse.Status(code: status), headers: fields)
    }

    func unavailable() -> Response { Self.error(503, "ServiceUnavailable") }

    func rateLimited(retryAfterSeconds: Int) -> Response {
        Self.error(429, "TooManyRequests", headers: [.retryAfter: "\(retryAfterSeconds)"])
    }

    func serverError(status: Int) -> Response {
        status == 503 ? unavailable() : Self.error(status, "InternalServerError")
    }
}
