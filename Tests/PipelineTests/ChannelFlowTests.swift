import AsyncHTTPClient
import Foundation
import NIOCore
import NotifyModel
import NotifyProviders
import NotifySandbox
import NotifyTestSupport
import PostgresNIO
import Testing

/// Each channel end to end over real sockets: the API, the pipeline, the real provider clients,
/// the provider sandbox speaking each provider's protocol, and its signed callbacks back into the
/// engine's timeline.
@Suite("Channels end to end against the provider sandbox")
struct ChannelFlowTests {
    @Test("SMS goes out through Twilio and its signed status callback records it delivered")
    func smsDelivered() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant()
            let id = try await engine.notify(
                tenant, ["category": "otp", "to": ["user": "ada"], "data": ["code": "123456"]])
            let view = try await engine.waitFor(tenant, id, channel: "sms", status: "delivered")
            let kinds = engine.timelineKinds(view)
            #expect(kinds.contains("sent"))
            #expect(kinds.contains("delivered"))
            let messages = engine.recorded(.twilio)
            #expect(messages.count == 1)
            #expect(messages.first?.body == "Your code is 123456")
            #expect(messages.first?.recipient == "+14155550100")
            #expect(messages.first?.deliveryID != nil, "the StatusCallback URL names the delivery")
            // The sender's own claim is not "another attempt": no re-check of a sent delivery waits
            // (given a moment for the send job's own completion to be written; a re-check would
            // wait minutes, for the claim to go stale).
            let drained = try await eventually(timeout: .seconds(10), every: .milliseconds(50)) {
                try await engine.runtime.count(
                    "SELECT (SELECT count(*) FROM notify.jobs WHERE queue = 'send-sms') + (SELECT count(*) FROM notify.scheduled_jobs WHERE queue = 'send-sms')"
                ) == 0
            }
            #expect(drained, "a send-sms job or re-check is left")
        }
    }

    @Test("Email goes out through SendGrid and its signed event webhook records it delivered")
    func emailDelivered() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant()
            let id = try await engine.notify(
                tenant, ["category": "news", "to": ["user": "ada"], "data": ["name": "Ada"]])
            let view = try await engine.waitFor(tenant, id, channel: "email", status: "delivered")
            #expect(engine.timelineKinds(view).contains("delivered"))
            let messages = engine.recorded(.sendgrid)
            #expect(messages.count == 1)
            #expect(messages.first?.subject == "News for Ada")
        }
    }

    @Test("Push goes to every valid device: FCM for Android, APNs over HTTP/2 and TLS for iOS")
    func pushToEveryDevice() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant()
            let id = try await engine.notify(
                tenant, ["category": "alert", "to": ["user": "ada"], "data": ["what": "x"]])
            try await engine.waitFor(tenant, id, channel: "push", status: "sent")
            #expect(engine.recorded(.fcm).count == 1)
            #expect(
                engine.recorded(.fcm).first?.deliveryID.flatMap(Int64.init) != nil,
                "the engine's delivery id reaches FCM (data.notify_delivery_id)")
            #expect(engine.recorded(.apns).count == 1)
            #expect(engine.recorded(.twilio).isEmpty, "no fallback when push was sent")
        }
    }

    @Test("The webhook channel posts the rendered body signed the Standard Webhooks way")
    func webhookSigned() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant()
            let id = try await engine.notify(
                tenant, ["category": "hook", "to": ["user": "ada"], "data": ["what": "signup"]])
            try await engine.waitFor(tenant, id, channel: "webhook", status: "delivered")
            let received = try #require(engine.recorded(.webhook).first)
            #expect(received.body == #"{"event":"signup"}"#)
            let headers = received.headers ?? [:]
            let secret = try await engine.webhookSecret(tenant)
            let signer = try StandardWebhookSignature(secret: secret)
            try signer.verify(
                id: headers["webhook-id"] ?? "", timestamp: headers["webhook-timestamp"] ?? "",
                signature: headers["webhook-signature"] ?? "", body: Data((received.body ?? "").utf8))
        }
    }

    @Test("APNs 410 and FCM UNREGISTERED invalidate the devices; push then falls back to SMS")
    func deadDevicesFallBackToSMS() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant(
                fcmToken: "unregistered-ada", apnsToken: "41041041" + String(repeating: "0", count: 56))
            let first = try await engine.notify(
                tenant, ["category": "alert", "to": ["user": "ada"], "data": ["what": "first"]])
            let view = try await engine.waitFor(tenant, first, channel: "sms", status: "delivered")
            #expect((view["channels"] as? [String: [String: Int]])?["push"]?["failed"] == 1)
            let kinds = engine.timelineKinds(view)
            #expect(kinds.filter { $0 == "device_invalidated" }.count == 2)
            #expect(kinds.contains("fallback"))
            let user = try await engine.get("/v1/users/ada", tenant).json
            let devices = user["devices"] as? [[String: Any]] ?? []
            #expect(devices.count == 2)
            #expect(devices.allSatisfy { $0["invalidated_at"] != nil })
            // The next push finds no valid device: dropped with that reason, and SMS takes over.
            let second = try await engine.notify(
                tenant, ["category": "alert", "to": ["user": "ada"], "data": ["what": "second"]])
            let later = try await engine.waitFor(tenant, second, channel: "sms", status: "delivered")
            #expect((later["channels"] as? [String: [String: Int]])?["push"]?["dropped"] == 1)
            #expect(engine.recorded(.fcm).count == 1)
            #expect(engine.recorded(.apns).count == 1)
        }
    }

    @Test("Timed fallback: SMS undelivered falls back to email at once; SMS delivered in time holds it back")
    func timedFallback() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant(phone: "+15005553006")
            try await expect(
                engine.put(
                    "/v1/categories/reminder", tenant,
                    [
                        "kind": "transactional", "default_channels": ["sms"],
                        "fallback": ["sms": ["to": "email", "after_seconds": 1]],
                    ]), [201])
            for (channel, source) in [("sms", ["text": "Reminder"]), ("email", ["subject": "Reminder", "text": "R"])] {
                try await expect(
                    engine.post("/v1/templates/reminder/\(channel)/en/versions?activate=true", tenant, source), [201])
            }
            // +15005553006 is accepted, then reported undelivered (30006, a landline): email takes over at once.
            let undelivered = try await engine.notify(tenant, ["category": "reminder", "to": ["user": "ada"]])
            let view = try await engine.waitFor(tenant, undelivered, channel: "email", status: "delivered")
            #expect((view["channels"] as? [String: [String: Int]])?["sms"]?["failed"] == 1)
            #expect(engine.timelineKinds(view).contains("fallback"))
            // A number that gets the SMS: when the deadline comes the email is dropped, the SMS reached the user.
            try await expect(engine.put("/v1/users/ada", tenant, ["phone": "+14155550100"]), [200])
            let reached = try await engine.notify(tenant, ["category": "reminder", "to": ["user": "ada"]])
            let later = try await engine.waitFor(tenant, reached, channel: "email", status: "dropped")
            #expect((later["channels"] as? [String: [String: Int]])?["sms"]?["delivered"] == 1)
            let reasons = engine.timelineReasons(later)
            #expect(reasons.contains("primary_reached"))
            #expect(engine.recorded(.sendgrid).count == 1)
        }
    }

    @Test("A hard bounce suppresses the address; the next email to it is dropped as suppressed")
    func hardBounceSuppresses() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant(email: "bounce@example.com")
            let first = try await engine.notify(
                tenant, ["category": "news", "to": ["user": "ada"], "data": ["name": "A"]])
            let view = try await engine.waitFor(tenant, first, channel: "email", status: "failed")
            #expect(engine.timelineKinds(view).contains("bounced"))
            #expect(
                engine.timelineKinds(view).contains("suppressed"), "the timeline says the address is now suppressed")
            let second = try await engine.notify(
                tenant, ["category": "news", "to": ["user": "ada"], "data": ["name": "A"]])
            let dropped = try await engine.waitFor(tenant, second, channel: "email", status: "dropped")
            let reasons = engine.timelineReasons(dropped)
            #expect(reasons.contains("suppressed"))
            #expect(engine.recorded(.sendgrid).count == 1)
        }
    }

    @Test("STOP from the handset suppresses the number until START")
    func stopAndStart() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant()
            try await engine.sandboxInbound(body: "STOP")
            #expect(await engine.suppressionCount(tenant) == 1)
            let stopped = try await engine.notify(
                tenant, ["category": "otp", "to": ["user": "ada"], "data": ["code": "1"]])
            try await engine.waitFor(tenant, stopped, channel: "sms", status: "dropped")
            try await engine.sandboxInbound(body: "START")
            #expect(await engine.suppressionCount(tenant) == 0)
            let resumed = try await engine.notify(
                tenant, ["category": "otp", "to": ["user": "ada"], "data": ["code": "2"]])
            try await engine.waitFor(tenant, resumed, channel: "sms", status: "delivered")
            #expect(engine.recorded(.twilio).count == 1)
        }
    }

    @Test("Forged or unsigned callbacks are refused and nothing is stored")
    func forgedCallbacksRefused() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            _ = try await engine.sandboxTenant()
            let form = Data("MessageSid=SM1&MessageStatus=delivered&AccountSid=AC1".utf8)
            let unsigned = try await engine.request(
                .POST, "/webhooks/twilio/sbx-twilio",
                headers: ["Content-Type": "application/x-www-form-urlencoded"], body: form)
            #expect(unsigned.status == 401)
            let forged = try await engine.request(
                .POST, "/webhooks/twilio/sbx-twilio",
                headers: [
                    "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl",
                ], body: form)
            #expect(forged.status == 403, Comment(rawValue: forged.text))
            let sendgrid = try await engine.request(
                .POST, "/webhooks/sendgrid/sbx-sendgrid",
                headers: [
                    "X-Twilio-Email-Event-Webhook-Signature": "MEUCIQD=", "X-Twilio-Email-Event-Webhook-Timestamp": "1",
                ], body: Data("[]".utf8))
            #expect(sendgrid.status == 403)
            let stored = try await engine.runtime.client.query(
                "SELECT count(*)::int FROM notify.provider_callbacks", logger: engine.runtime.logger)
            var count = -1
            for try await value in stored.decode(Int.self) { count = value }
            #expect(count == 0)
        }
    }
}

extension Engine {
    /// The webhook account's signing secret, read back from its encrypted configuration.
    func webhookSecret(_ tenant: Tenant) async throws -> String {
        let rows = try await runtime.client.query(
            "SELECT config_cipher FROM notify.provider_accounts WHERE id = 'sbx-webhook' AND tenant_id = \(tenant.id)",
            logger: runtime.logger)
        for try await sealed in rows.decode(Data.self) {
            let text = try Engine.cipher.open(Array(sealed))
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            if let secret = object?["signing_secret"] as? String { return secret }
        }
        throw EngineError("no webhook account")
    }

    /// Sends an inbound SMS from ada's handset through the sandbox and waits until it is ingested.
    func sandboxInbound(body: String) async throws {
        guard let sandbox else { throw EngineError("no sandbox") }
        let before = try await inboundReceipts()
        let endpoints = try await sandbox.endpoints()
        var request = HTTPClientRequest(url: endpoints.baseURL + "/sandbox/inbound")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(
            ByteBuffer(string: #"{"from":"+14155550100","to":"+15005550006","body":"\#(body)"}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        guard response.status.code == 202 else { throw EngineError("sandbox inbound answered \(response.status)") }
        let ingested = try await eventually(timeout: .seconds(15)) { try await inboundReceipts() > before }
        guard ingested else { throw EngineError("the inbound \(body) was not ingested") }
    }

    /// Inbound messages ingested so far (their receipts are recorded with the ingestion).
    func inboundReceipts() async throws -> Int {
        let rows = try await runtime.client.query(
            "SELECT count(*)::int FROM notify.callback_receipts WHERE event_key LIKE '%:inbound'",
            logger: runtime.logger)
        var count = 0
        for try await value in rows.decode(Int.self) { count = value }
        return count
    }

    /// How many SMS suppressions the tenant has.
    func suppressionCount(_ tenant: Tenant) async -> Int {
        guard
            let rows = try? await runtime.client.query(
                "SELECT count(*)::int FROM notify.suppressions WHERE tenant_id = \(tenant.id) AND channel = 'sms'",
                logger: runtime.logger)
        else { return -1 }
        var count = -1
        do { for try await value in rows.decode(Int.self) { count = value } } catch { return -1 }
        return count
    }
}
