import Foundation
import Logging
import NotifyAPI
import NotifyModel
import PostgresNIO

/// The demo tenant `notify dev` seeds so the README's quick start works at once: tenant `demo`,
/// user `demo-user`, category `welcome` (transactional, in-app) with an active English in-app
/// template. Its API key and the user's inbox signature go to `.notify/demo.env` (mode 0600); the
/// key is created once and kept while the file exists.
enum DemoTenant {
    static let tenantID = "demo"
    static let userID = "demo-user"

    static func seed(
        client: PostgresClient, environment: CommandEnvironment, baseURL: String, logger: Logger
    )
        async throws
    {
        let admin = TenantAdmin(client: client, logger: logger)
        let envFile = environment.dataDirectory + "/demo.env"
        var existingKey: String?
        if let text = try? String(contentsOfFile: envFile, encoding: .utf8) {
            existingKey = text.split(separator: "\n").first { $0.hasPrefix("NOTIFY_API_KEY=") }
                .map { String($0.dropFirst("NOTIFY_API_KEY=".count)) }
        }
        if !(try await admin.tenantExists(tenantID)) {
            _ = try await admin.createTenant(id: tenantID, name: "Demo")
            existingKey = nil
        }
        try await client.query(
            """
            INSERT INTO notify.users (tenant_id, external_id, locale, timezone) VALUES (\(tenantID), \(userID), 'en', 'UTC')
            ON CONFLICT DO NOTHING
            """, logger: logger)
        try await client.query(
            """
            INSERT INTO notify.categories (tenant_id, key, kind, default_channels, template_key)
            VALUES (\(tenantID), 'welcome', 'transactional', '{inapp}', 'welcome') ON CONFLICT DO NOTHING
            """, logger: logger)
        try await client.query(
            """
            INSERT INTO notify.templates (tenant_id, key, channel, locale, version, source, active)
            SELECT \(tenantID), 'welcome', 'inapp', 'en', 1,
                   '{"title": "Welcome, {{name}}!", "body": "Your notify instance delivered this in-app message."}', true
            WHERE NOT EXISTS (SELECT 1 FROM notify.templates WHERE tenant_id = \(tenantID) AND key = 'welcome')
            """, logger: logger)
        let key: String
        if let existingKey {
            key = existingKey
        } else {
            key = try await admin.createKey(tenantID: tenantID, name: "notify dev").plaintext
        }
        let secret = try await admin.inboxSecret(of: tenantID) ?? ""
        let signature = InboxSignature.sign(userID: userID, secret: Array(hex: secret))
        let text = """
            NOTIFY_URL=\(baseURL)
            NOTIFY_API_KEY=\(key)
            NOTIFY_TENANT=\(tenantID)
            NOTIFY_USER=\(userID)
            NOTIFY_USER_SIGNATURE=\(signature)

            """
        try PrivateFile.write(
            text, to: envFile, code: "demo_env_unwritable",
            message: "could not write the demo tenant's settings to \(envFile); make its directory writable")
        logger.info("demo tenant ready; its API key and inbox signature are in \(envFile)")
    }
}

extension Array where Element == UInt8 {
    /// Bytes from a hex string (pairs of hex digits; anything else is skipped).
    init(hex: String) {
        var bytes: [UInt8] = []
        var iterator = hex.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            if let byte = UInt8(String([high, low]), radix: 16) { bytes.append(byte) }
        }
        self = bytes
    }
}
