import Foundation
import Logging
import NotifyModel
import NotifyProviders
import NotifySandbox
import PostgresNIO

/// What `notify dev` adds to the demo tenant when it runs the provider sandbox: an account per
/// sandbox provider (`demo-twilio`, `demo-vonage`, `demo-sendgrid`, `demo-smtp`, `demo-fcm`,
/// `demo-apns`, `demo-webhook`), routes (SMS: Twilio then Vonage; email: SendGrid then SMTP; push:
/// FCM and APNs; webhook), contact points and devices for `demo-user`, and categories `otp` (SMS,
/// its content erased after ten minutes), `news` (marketing email) and `alert` (push, falling back
/// to SMS) with templates.
///
/// The sandbox generates new credentials at every start, so the accounts are rewritten each time.
enum DemoChannels {
    static let accountPrefix = "demo"
    static let email = "demo-user@example.com"
    static let phone = "+15555550100"
    static let fcmToken = "demo-fcm-token"
    static let apnsToken = String(repeating: "ab", count: 32)

    static func seed(
        document: SandboxCredentialsDocument, smtpPort: Int?, secrets: EngineSecrets, client: PostgresClient,
        logger: Logger
    ) async throws {
        let tenantID = DemoTenant.tenantID
        let accounts = try document.engineAccounts(
            prefix: accountPrefix, smtpPort: smtpPort, webhookName: tenantID,
            webhookSecret: StandardWebhookSignature.generateSecret())
        for account in accounts {
            let sealed = Data(try secrets.cipher.seal(account.configJSON))
            let sender = String(decoding: try JSONEncoder().encode(account.sender), as: UTF8.self)
            try await client.query(
                """
                INSERT INTO notify.provider_accounts (id, tenant_id, kind, channel, config_cipher, sender)
                VALUES (\(account.id), \(tenantID), \(account.kind.rawValue), \(account.kind.channel), \(sealed),
                        \(sender)::jsonb)
                ON CONFLICT (id) DO UPDATE SET config_cipher = excluded.config_cipher, sender = excluded.sender,
                    updated_at = clock_timestamp()
                WHERE notify.provider_accounts.tenant_id = \(tenantID)
                """, logger: logger)
        }
        let routes: [(String, String, Int)] =
            [
                ("sms", "demo-twilio", 0), ("sms", "demo-vonage", 1), ("email", "demo-sendgrid", 0),
                ("push", "demo-fcm", 0), ("push", "demo-apns", 0), ("webhook", "demo-webhook", 0),
            ] + (smtpPort == nil ? [] : [("email", "demo-smtp", 1)])
        for (channel, account, position) in routes {
            try await client.query(
                """
                INSERT INTO notify.provider_routes (tenant_id, channel, account_id, position)
                VALUES (\(tenantID), \(channel), \(account), \(position)) ON CONFLICT DO NOTHING
                """, logger: logger)
        }
        let hasher = secrets.hasher
        try await client.query(
            """
            UPDATE notify.users SET email_cipher = \(Data(try secrets.cipher.seal(email))),
                email_hash = \(Data(hasher.hash(email, channel: .email))),
                phone_cipher = \(Data(try secrets.cipher.seal(phone))),
                phone_hash = \(Data(hasher.hash(phone, channel: .sms)))
            WHERE tenant_id = \(tenantID) AND external_id = \(DemoTenant.userID) AND email_cipher IS NULL
            """, logger: logger)
        for (platform, token) in [("fcm", fcmToken), ("apns", apnsToken)] {
            try await client.query(
                """
                INSERT INTO notify.devices (tenant_id, user_id, platform, token_cipher, token_hash)
                SELECT \(tenantID), id, \(platform), \(Data(try secrets.cipher.seal(token))),
                       \(Data(hasher.hash("\(platform):\(token)", channel: .push)))
                FROM notify.users WHERE tenant_id = \(tenantID) AND external_id = \(DemoTenant.userID)
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
        // The passcodes' content is erased ten minutes after they are sent (see `ContentErasure`).
        // An unknown outcome is retried or given up as the API's default for the kind would have it.
        let categories: [(String, String, Bool, String, String, Int?)] = [
            ("otp", "transactional", true, "{sms}", "{}", 600),
            ("news", "marketing", false, "{email}", "{}", nil),
            ("alert", "transactional", false, "{push}", #"{"push": "sms"}"#, nil),
        ]
        for (key, kind, critical, channels, fallback, eraseAfter) in categories {
            try await client.query(
                """
                INSERT INTO notify.categories
                    (tenant_id, key, kind, critical, default_channels, template_key, fallback, erase_content_after_seconds,
                     unknown_outcome)
                VALUES (\(tenantID), \(key), \(kind), \(critical), \(channels)::text[], \(key), \(fallback)::jsonb,
                        \(eraseAfter), \(kind == "marketing" ? "give_up" : "retry"))
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
        let templates: [(String, String, String)] = [
            ("otp", "sms", #"{"text": "Your notify code is {{code}}"}"#),
            (
                "news", "email",
                #"{"subject": "News for {{name}}", "html": "<p>Hello {{name}}!</p>", "text": "Hello {{name}}!"}"#
            ),
            ("alert", "push", #"{"title": "Alert", "body": "{{what}}"}"#),
            ("alert", "sms", #"{"text": "Alert: {{what}}"}"#),
        ]
        for (key, channel, source) in templates {
            try await client.query(
                """
                INSERT INTO notify.templates (tenant_id, key, channel, locale, version, source, active)
                SELECT \(tenantID), \(key), \(channel), 'en', 1, \(source)::jsonb, true
                WHERE NOT EXISTS (SELECT 1 FROM notify.templates
                                  WHERE tenant_id = \(tenantID) AND key = \(key) AND channel = \(channel))
                """, logger: logger)
        }
        logger.info(
            "demo tenant wired to the provider sandbox",
            metadata: ["providers": "\(accounts.map(\.id).joined(separator: ","))"])
    }
}
