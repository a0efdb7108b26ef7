import AsyncHTTPClient
import Foundation
import NotifyModel
import NotifyProviders
import NotifySandbox

extension Engine {
    /// A tenant wired to the provider sandbox: accounts `sbx-<provider>` created through the API,
    /// routes (SMS: Twilio then Vonage; email: SendGrid; push: FCM and APNs; webhook), a user `ada`
    /// with an email address, a phone number and one FCM and one APNs device, categories `otp`
    /// (SMS), `news` (marketing email), `alert` (push, falling back to SMS) and `hook` (webhook),
    /// each with a template.
    func sandboxTenant(
        _ id: String = "acme", email: String = "ada@example.com", phone: String = "+14155550100",
        fcmToken: String? = "fcm-ada-1", apnsToken: String? = String(repeating: "ab", count: 32),
        smsRoute: [String] = ["sbx-twilio", "sbx-vonage"], emailRoute: [String] = ["sbx-sendgrid"],
        smtpPort: Int? = nil, accountSettings: [String: [String: Any]] = [:]
    ) async throws -> Tenant {
        guard let sandbox else { throw EngineError("the engine was started without a sandbox") }
        let tenant = try await self.tenant(id, seed: false)
        let document = try await sandbox.credentialsDocument()
        let accounts = try document.engineAccounts(
            prefix: "sbx", smtpPort: smtpPort, webhookName: id, webhookSecret: StandardWebhookSignature.generateSecret()
        )
        for account in accounts {
            var body = try JSONSerialization.jsonObject(with: try account.requestBody()) as? [String: Any] ?? [:]
            body.merge(accountSettings[account.id] ?? [:]) { _, new in new }
            try await expect(put("/v1/providers/\(account.id)", tenant, body), [201])
        }
        let routes: [String: [String]] = [
            "sms": smsRoute, "email": emailRoute, "push": ["sbx-fcm", "sbx-apns"], "webhook": ["sbx-webhook"],
        ]
        for (channel, providers) in routes {
            let entries = providers.enumerated().map { ["provider": $0.element, "position": $0.offset] }
            try await expect(put("/v1/routes/\(channel)", tenant, ["providers": entries]), [200])
        }
        try await expect(
            put("/v1/users/ada", tenant, ["email": email, "phone": phone, "locale": "en", "timezone": "UTC"]), [201])
        if let fcmToken {
            try await expect(post("/v1/users/ada/devices", tenant, ["platform": "fcm", "token": fcmToken]), [201])
        }
        if let apnsToken {
            try await expect(post("/v1/users/ada/devices", tenant, ["platform": "apns", "token": apnsToken]), [201])
        }
        let categories: [(String, [String: Any])] = [
            ("otp", ["kind": "transactional", "critical": true, "default_channels": ["sms"]]),
            ("news", ["kind": "marketing", "default_channels": ["email"]]),
            ("alert", ["kind": "transactional", "default_channels": ["push"], "fallback": ["push": "sms"]]),
            ("hook", ["kind": "transactional", "default_channels": ["webhook"]]),
        ]
        for (key, body) in categories { try await expect(put("/v1/categories/\(key)", tenant, body), [201]) }
        let templates: [(String, String, [String: Any])] = [
            ("otp", "sms", ["text": "Your code is {{code}}"]),
            (
                "news", "email",
                ["subject": "News for {{name}}", "html": "<p>Hello {{name}}</p>", "text": "Hello {{name}}"]
            ),
            ("alert", "push", ["title": "Alert", "body": "Something happened: {{what}}"]),
            ("alert", "sms", ["text": "Alert: {{what}}"]),
            ("hook", "webhook", ["body": #"{"event":"{{what}}"}"#]),
        ]
        for (key, channel, source) in templates {
            try await expect(post("/v1/templates/\(key)/\(channel)/en/versions?activate=true", tenant, source), [201])
        }
        return tenant
    }

    /// Sends Ada an OTP (category `otp`, SMS) and waits until the sandbox's callback has made it
    /// `delivered`; returns the notification's id, as the API gives it and as a UUID.
    func deliveredOTP(_ tenant: Tenant) async throws -> (id: String, notification: UUID) {
        let id = try await notify(tenant, ["category": "otp", "to": ["user": "ada"], "data": ["code": "1"]])
        try await waitFor(tenant, id, channel: "sms", status: "delivered")
        guard let notification = UUID(uuidString: id) else { throw EngineError("notification id \(id) is not a UUID") }
        return (id, notification)
    }

    /// Polls the notification until `channel` has `count` deliveries in `status` (`sent` also
    /// accepts deliveries that went on to `delivered`).
    @discardableResult
    func waitFor(
        _ tenant: Tenant, _ id: String, channel: String, status: String, count: Int = 1,
        timeout: Duration = .seconds(20)
    ) async throws -> [String: Any] {
        let accepted = status == "sent" ? ["sent", "delivered"] : [status]
        let deadline = ContinuousClock.now + timeout
        var last: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            last = try await get("/v1/notifications/\(id)", tenant).json
            let channels = last["channels"] as? [String: [String: Int]] ?? [:]
            if accepted.reduce(0, { $0 + (channels[channel]?[$1] ?? 0) }) == count { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw EngineError("notification \(id) never had \(count) \(channel) deliveries \(status): \(last)")
    }

    /// The sandbox's recorded messages of one provider.
    func recorded(_ provider: ProviderKind) -> [RecordedMessage] {
        sandbox?.recorder.messages(provider: provider, limit: 100_000) ?? []
    }
}
