import Foundation
import Logging
import NotifyAPI
import NotifyModel
import NotifyProviders
import NotifySandbox
import PostgresNIO

/// The tenant `notify bench priority` drives: `blast` users `blast-1…` subscribed to topic
/// `blast`, `otp` users `otp-1…`, each with an FCM device whose token is sealed and hashed as the
/// API stores it; one FCM account and push route through the sandbox; categories `promo`
/// (marketing) and `otp` (transactional, critical), each with a push template.
struct PriorityBenchmarkSeed {
    let client: PostgresClient
    let cipher: ContactCipher
    let hasher: LookupHasher
    let logger: Logger

    /// Rows per insert statement.
    static let chunk = 50_000

    /// Seeds the tenant; returns an API key.
    func seed(blast: Int, otpUsers: Int, sandbox: ProviderSandbox) async throws -> String {
        let admin = TenantAdmin(client: client, logger: logger)
        _ = try await admin.createTenant(id: "bench", name: "bench")
        try await client.query(
            "UPDATE notify.tenants SET requests_per_second = 1000000 WHERE id = 'bench'", logger: logger)
        try await client.query("INSERT INTO notify.topics (tenant_id, key) VALUES ('bench', 'blast')", logger: logger)
        try await users(prefix: "blast", count: blast, subscribe: true)
        try await users(prefix: "otp", count: otpUsers, subscribe: false)
        let document = try await sandbox.credentialsDocument()
        let accounts = try document.engineAccounts(
            prefix: "bench", webhookName: "bench", webhookSecret: StandardWebhookSignature.generateSecret())
        guard let account = accounts.first(where: { $0.kind == .fcm }) else {
            throw BenchError("the sandbox has no FCM account")
        }
        let sender = String(decoding: try JSONEncoder().encode(account.sender), as: UTF8.self)
        try await client.query(
            """
            INSERT INTO notify.provider_accounts (id, tenant_id, kind, channel, config_cipher, sender)
            VALUES (\(account.id), 'bench', 'fcm', 'push', \(Data(try cipher.seal(account.configJSON))), \(sender)::jsonb)
            """, logger: logger)
        try await client.query(
            "INSERT INTO notify.provider_routes (tenant_id, channel, account_id) VALUES ('bench', 'push', \(account.id))",
            logger: logger)
        try await client.query(
            """
            INSERT INTO notify.categories (tenant_id, key, kind, critical, default_channels, template_key)
            VALUES ('bench', 'promo', 'marketing', false, ARRAY['push'], 'promo'),
                   ('bench', 'otp', 'transactional', true, ARRAY['push'], 'otp')
            """, logger: logger)
        try await client.query(
            """
            INSERT INTO notify.templates (tenant_id, key, channel, locale, version, source, active)
            VALUES ('bench', 'promo', 'push', 'en', 1, '{"title":"Winter sale","body":"{{offer}}"}'::jsonb, true),
                   ('bench', 'otp', 'push', 'en', 1, '{"title":"Your code","body":"{{code}} is your code."}'::jsonb, true)
            """, logger: logger)
        try await client.query("VACUUM ANALYZE", logger: logger)
        try await settleSeedWrites()
        return try await admin.createKey(tenantID: "bench", name: "bench").plaintext
    }

    /// Writes the seed's pages out before the measurement starts. The kernel keeps written
    /// pages dirty for up to 30 s (`vm.dirty_expire_centisecs`) and then writes them back at once;
    /// a million users' rows written back in the middle of the campaign made every commit's WAL
    /// flush wait behind them. `CHECKPOINT` writes and syncs them now. It needs superuser or
    /// `pg_checkpoint`; without either, the benchmark goes on and says so on standard error.
    private func settleSeedWrites() async throws {
        do {
            try await client.query("CHECKPOINT", logger: logger)
        } catch let error as PSQLError {
            let reason = error.serverInfo?[.message] ?? "\(error.code)"
            FileHandle.standardError.write(
                Data(
                    "warning: CHECKPOINT after seeding failed (\(reason)); the seed's writes may land in the measurement\n"
                        .utf8))
        }
    }

    /// `count` users `<prefix>-n` with one FCM device each (token `<prefix>-token-n`).
    private func users(prefix: String, count: Int, subscribe: Bool) async throws {
        for first in stride(from: 1, through: count, by: Self.chunk) {
            let last = min(count, first + Self.chunk - 1)
            var ids: [String] = []
            var tokens: [String] = []
            var hashes: [String] = []
            ids.reserveCapacity(last - first + 1)
            for n in first...last {
                let token = "\(prefix)-token-\(n)"
                ids.append("\(prefix)-\(n)")
                tokens.append(Data(try cipher.seal(token)).base64EncodedString())
                hashes.append(Data(hasher.hash("fcm:\(token)", channel: .push)).base64EncodedString())
            }
            _ = try await client.withTransaction(logger: logger) { connection in
                try await connection.query(
                    """
                    WITH created AS (
                        INSERT INTO notify.users (tenant_id, external_id, locale)
                        SELECT 'bench', id, 'en' FROM unnest(\(ids)::text[]) WITH ORDINALITY AS u(id, ord) ORDER BY ord
                        RETURNING id, external_id
                    ), devices AS (
                        INSERT INTO notify.devices (tenant_id, user_id, platform, token_cipher, token_hash)
                        SELECT 'bench', c.id, 'fcm', decode(t.token, 'base64'), decode(t.hash, 'base64')
                        FROM unnest(\(ids)::text[], \(tokens)::text[], \(hashes)::text[]) AS t(id, token, hash)
                        JOIN created c ON c.external_id = t.id
                    )
                    INSERT INTO notify.topic_subscribers (tenant_id, topic_key, user_id)
                    SELECT 'bench', 'blast', id FROM created WHERE \(subscribe)
                    """, logger: logger)
            }
        }
    }
}
