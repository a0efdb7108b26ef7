import Foundation
import NotifyProviders

/// A provider account an engine tenant can create to send through the sandbox: the body of
/// `PUT /v1/providers/{id}` with the sandbox's credentials and URLs filled in.
public struct SandboxAccount: Sendable, Hashable {
    /// The account id, such as `demo-twilio`.
    public var id: String
    public var kind: ProviderKind
    /// The `config` object as JSON text (credentials: keep it secret).
    public var configJSON: String
    /// The non-secret `sender` facts.
    public var sender: [String: String]

    /// The request body for `PUT /v1/providers/{id}`.
    public func requestBody() throws -> Data {
        let config = try JSONSerialization.jsonObject(with: Data(configJSON.utf8))
        return try JSONSerialization.data(
            withJSONObject: ["kind": kind.rawValue, "config": config, "sender": sender], options: [.sortedKeys])
    }
}

extension SandboxCredentialsDocument {
    /// One account per HTTP provider of the sandbox, ids `<prefix>-<kind>`. `smtpPort` adds an
    /// SMTP account for a recording `SMTPServer` on that port; `webhookName` names the sandbox's
    /// webhook receiver path (`/hooks/<name>`).
    public func engineAccounts(
        prefix: String, smtpPort: Int? = nil, webhookName: String, webhookSecret: String
    ) throws -> [SandboxAccount] {
        func json(_ object: [String: Any]) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        var serviceAccount: [String: Any] = fcm.serviceAccount
        serviceAccount["base_url"] = fcm.baseURL
        var accounts = [
            SandboxAccount(
                id: "\(prefix)-twilio", kind: .twilio,
                configJSON: try json([
                    "account_sid": twilio.accountSID, "auth_token": twilio.authToken, "base_url": twilio.baseURL,
                ]), sender: ["from": "+15005550006"]),
            SandboxAccount(
                id: "\(prefix)-vonage", kind: .vonage,
                configJSON: try json([
                    "api_key": vonage.apiKey, "api_secret": vonage.apiSecret,
                    "signature_secret": vonage.signatureSecret,
                    "signature_method": vonage.signatureMethod, "base_url": vonage.baseURL,
                ]), sender: ["from": "Notify"]),
            SandboxAccount(
                id: "\(prefix)-sendgrid", kind: .sendgrid,
                configJSON: try json([
                    "api_key": sendgrid.apiKey, "base_url": sendgrid.baseURL,
                    "webhook_public_key": sendgrid.webhookPublicKey,
                ]), sender: ["from": "noreply@example.com", "from_name": "Notify Sandbox"]),
            SandboxAccount(id: "\(prefix)-fcm", kind: .fcm, configJSON: try json(serviceAccount), sender: [:]),
            SandboxAccount(
                id: "\(prefix)-apns", kind: .apns,
                configJSON: try json([
                    "team_id": apns.teamID, "key_id": apns.keyID, "private_key": apns.privateKeyPEM,
                    "topic": apns.topic ?? "com.example.notify", "base_url": apns.baseURL,
                    "extra_trust_roots_pem": caPEM,
                ]), sender: [:]),
            SandboxAccount(
                id: "\(prefix)-webhook", kind: .webhook, configJSON: try json(["signing_secret": webhookSecret]),
                sender: ["url": "\(webhooksBaseURL)/\(webhookName)"]),
        ]
        if let smtpPort {
            accounts.append(
                SandboxAccount(
                    id: "\(prefix)-smtp", kind: .smtp,
                    configJSON: try json(["host": "127.0.0.1", "port": smtpPort, "tls": "none"]),
                    sender: ["from": "noreply@example.com", "from_name": "Notify Sandbox"]))
        }
        return accounts
    }
}
