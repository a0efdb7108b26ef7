import Foundation
import Hummingbird
import NotifyProviders

/// The control API under `/sandbox/`:
///
/// - `GET /sandbox/messages?provider=&to=&after=&limit=`: `{"messages": [RecordedMessage…]}`, oldest
///   first, the last `limit` (default 100) matching; `to` matches recipients containing it.
/// - `DELETE /sandbox/messages`: forgets messages, counts and delivery ids (204).
/// - `GET /sandbox/counts`: `{"twilio": {"received", "accepted", "failed", "duplicates"}, …}`.
/// - `GET /sandbox/callbacks`: `{"delivered", "failed_attempts", "abandoned"}`.
/// - `GET /sandbox/faults`, `GET|PUT /sandbox/faults/{provider}`: `FaultSettings` JSON; a `PUT`
///   of settings with an unknown key or a value out of range is answered 400
///   `{"error": "…", "code": "invalid_fault_settings"}` and changes nothing.
/// - `GET /sandbox/credentials`: `SandboxCredentialsDocument`; `GET /sandbox/ca.pem`: the CA.
/// - `POST /sandbox/inbound` `{"from", "to", "body", "url"?}`: a handset texts the account
///   (`STOP`, `START`, …); posts Twilio's signed inbound webhook (202 with `message_sid`).
struct ControlRoutes {
    let core: SandboxCore

    func addRoutes(to router: Router<SandboxRequestContext>) {
        let group = router.group("sandbox")
        group.get("messages") { request, _ in messages(request) }
        group.delete("messages") { _, _ in
            core.recorder.clear()
            return HTTPResponses.empty(.noContent)
        }
        group.get("counts") { _, _ in
            let counts = core.recorder.counts()
            return HTTPResponses.encoded(Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }))
        }
        group.get("callbacks") { _, _ in HTTPResponses.encoded(core.callbacks.deliveryCounts) }
        group.get("faults") { _, _ in
            HTTPResponses.encoded(
                Dictionary(uniqueKeysWithValues: core.faults.all().map { ($0.key.rawValue, $0.value) }))
        }
        group.get("faults/:provider") { _, context in
            guard let kind = provider(context) else { return unknownProvider(context) }
            return HTTPResponses.encoded(core.faults.settings(for: kind))
        }
        group.put("faults/:provider") { request, context in await setFaults(request, context: context) }
        group.get("credentials") { _, _ in credentials() }
        group.get("ca.pem") { _, _ in
            HTTPResponses.bytes(
                Data(core.authority.caPEM.utf8), status: .ok, contentType: "application/x-pem-file", headers: [:])
        }
        group.post("inbound") { request, _ in await inbound(request) }
    }

    private func messages(_ request: Request) -> Response {
        let query = request.uri.queryParameters
        let kind = query["provider"].flatMap { ProviderKind(rawValue: String($0)) }
        if let name = query["provider"], kind == nil {
            return HTTPResponses.json(["error": "unknown provider \(name)"], status: .badRequest)
        }
        let limit = query["limit"].flatMap { Int(String($0)) } ?? 100
        let after = query["after"].flatMap { Int(String($0)) } ?? 0
        let list = core.recorder.messages(
            provider: kind, recipient: query["to"].map(String.init), after: after, limit: limit)
        return HTTPResponses.encoded(["messages": list])
    }

    private func provider(_ context: SandboxRequestContext) -> ProviderKind? {
        context.parameters.get("provider").flatMap(ProviderKind.init(rawValue:))
    }

    private func unknownProvider(_ context: SandboxRequestContext) -> Response {
        HTTPResponses.json(
            [
                "error":
                    "unknown provider \(context.parameters.get("provider") ?? ""); use twilio, vonage, sendgrid, fcm, apns or webhook"
            ],
            status: .notFound)
    }

    private func setFaults(_ request: Request, context: SandboxRequestContext) async -> Response {
        guard let kind = provider(context) else { return unknownProvider(context) }
        let data = await request.collectBody(limit: 1 << 16) ?? Data()
        do {
            let settings = try FaultSettings.parse(json: data)
            core.faults.set(settings, for: kind)
            return HTTPResponses.encoded(settings)
        } catch {
            // The settings stay as they were.
            return HTTPResponses.json(["error": error.message, "code": error.code.description], status: .badRequest)
        }
    }

    private func credentials() -> Response {
        guard let endpoints = core.runningEndpoints else { return HTTPResponses.empty(.serviceUnavailable) }
        return HTTPResponses.encoded(
            SandboxCredentialsDocument(
                credentials: core.credentials, endpoints: endpoints, caPEM: core.authority.caPEM,
                apnsTopic: core.configuration.apnsTopic))
    }

    /// Simulates a handset texting one of the account's numbers (`{"from", "to", "body"}`), such as STOP.
    private func inbound(_ request: Request) async -> Response {
        let data = await request.collectBody(limit: 1 << 16) ?? Data()
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let from = object["from"] as? String, let to = object["to"] as? String, let body = object["body"] as? String
        else {
            return HTTPResponses.json(
                ["error": "send {\"from\": \"+1…\", \"to\": \"+1…\", \"body\": \"STOP\"}"], status: .badRequest)
        }
        guard let url = object["url"] as? String ?? core.callbackURL(.twilio) else {
            return HTTPResponses.json(
                ["error": "no callback URL: start the sandbox with one, or pass \"url\""], status: .conflict)
        }
        let credentials = core.credentials
        let (sid, callback) = TwilioCallbacks.inbound(
            from: from, to: to, body: body, accountSID: credentials.twilioAccountSID, url: url,
            authToken: credentials.twilioAuthToken)
        core.callbacks.enqueue(CallbackJob(requests: [callback]))
        return HTTPResponses.json(["message_sid": sid], status: .accepted)
    }
}
