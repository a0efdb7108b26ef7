import Foundation
import Logging
import NotifyModel
import PostgresNIO

/// Operator actions on tenants and their credentials, used by the CLI (`notify tenants`,
/// `notify keys`, `notify clients`) and by `notify dev` to seed its demo tenant. Secrets are
/// returned once to be shown once; only their hashes are stored.
public struct TenantAdmin: Sendable {
    let client: PostgresClient
    let logger: Logger

    /// Creates the admin for a database.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Creates a tenant and returns its inbox secret (hex), which signs end users' inbox access.
    ///
    /// - Parameters:
    ///   - defaultLocale: The locale templates fall back to, checked as users' locales are
    ///     (``ContactValidation/locale(_:)``) and stored in canonical casing (`pt_br` → `pt-BR`).
    ///     Throws `invalid_locale` for anything else, before anything is written.
    ///   - defaultTimeZone: The IANA zone of the tenant's users who have none (local-time sends,
    ///     quiet hours). Throws `unknown_timezone` for a name the system does not know.
    public func createTenant(
        id: String, name: String, defaultLocale: String = "en", defaultTimeZone: String = "UTC"
    ) async throws -> String {
        let defaultLocale = try Self.checkedLocale(defaultLocale)
        let defaultTimeZone = try Self.checkedTimeZone(defaultTimeZone)
        let secret = InboxSignature.generateSecret()
        do {
            try await client.query(
                """
                INSERT INTO notify.tenants (id, name, default_locale, default_timezone, inbox_secret)
                VALUES (\(id), \(name), \(defaultLocale), \(defaultTimeZone), \(Data(secret)))
                """, logger: logger)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw ModelError(code: "tenant_exists", "tenant \"\(id)\" already exists")
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23514" {
            throw ModelError(
                code: "invalid_tenant_id",
                "tenant ids are 2 to 63 lowercase letters, digits, '_' or '-' (got \"\(id.prefix(70))\")")
        }
        return secret.map { String(format: "%02x", $0) }.joined()
    }

    /// Sets the tenant's default time zone (see ``createTenant(id:name:defaultLocale:defaultTimeZone:)``).
    /// Local-time sends already planned keep the instants they were given.
    public func setDefaultTimeZone(tenantID: String, _ zone: String) async throws {
        let zone = try Self.checkedTimeZone(zone)
        var updated = false
        for try await _ in try await client.query(
            "UPDATE notify.tenants SET default_timezone = \(zone) WHERE id = \(tenantID) RETURNING id", logger: logger)
        {
            updated = true
        }
        guard updated else { throw Self.unknownTenant(tenantID) }
    }

    /// The longest retention a tenant may have: ten years.
    public static let maximumRetentionDays = 3650

    /// Sets how many days the tenant's finished notifications, their deliveries, timelines and
    /// closed digests are kept (the leader's tick deletes older ones, see `RecordRetention`), or
    /// nil to keep them. Throws `invalid_retention` outside 1 to ``maximumRetentionDays``.
    public func setRetention(tenantID: String, days: Int?) async throws {
        if let days, !(1...Self.maximumRetentionDays).contains(days) {
            throw ModelError(
                code: "invalid_retention",
                "a retention is 1 to \(Self.maximumRetentionDays) days, or \"keep\" to keep records (got \(days))")
        }
        var updated = false
        for try await _ in try await client.query(
            "UPDATE notify.tenants SET retention_days = \(days) WHERE id = \(tenantID) RETURNING id", logger: logger)
        {
            updated = true
        }
        guard updated else { throw Self.unknownTenant(tenantID) }
    }

    /// The tenant's default time zone; nil when there is no such tenant.
    public func defaultTimeZone(of tenantID: String) async throws -> String? {
        for try await zone in try await client.query(
            "SELECT default_timezone FROM notify.tenants WHERE id = \(tenantID)", logger: logger
        ).decode(String.self) {
            return zone
        }
        return nil
    }

    /// The zone as users' zones are checked (``ContactValidation/timeZone(_:)``), trimmed; refused
    /// as `unknown_timezone`, the code schedules use for a zone the system does not know.
    private static func checkedTimeZone(_ zone: String) throws -> String {
        do {
            return try ContactValidation.timeZone(zone)
        } catch {
            throw ModelError(code: "unknown_timezone", "\"\(zone.prefix(64))\" is not a time zone; \(error.message)")
        }
    }

    /// The locale as users' locales are checked (``ContactValidation/locale(_:)``), in canonical
    /// casing; refused as `invalid_locale`, naming what was given (a tenant's setting, not personal
    /// data).
    private static func checkedLocale(_ locale: String) throws -> String {
        do {
            return try ContactValidation.locale(locale)
        } catch {
            throw ModelError(code: error.code, "\"\(locale.prefix(64))\" is not a locale; \(error.message)")
        }
    }

    /// True when the tenant exists.
    public func tenantExists(_ id: String) async throws -> Bool {
        var found = false
        for try await _ in try await client.query("SELECT 1 FROM notify.tenants WHERE id = \(id)", logger: logger) {
            found = true
        }
        return found
    }

    /// The tenant's inbox secret as hex.
    public func inboxSecret(of tenantID: String) async throws -> String? {
        for try await secret in try await client.query(
            "SELECT inbox_secret FROM notify.tenants WHERE id = \(tenantID)", logger: logger
        ).decode(Data.self) {
            return secret.map { String(format: "%02x", $0) }.joined()
        }
        return nil
    }

    /// The longest a replaced inbox secret may stay valid: 30 days.
    public static let maximumInboxSecretOverlapHours = 720

    /// Replaces the tenant's inbox secret and returns the new one (hex), shown once. Signatures
    /// made with the replaced secret stay valid for `keepingPreviousFor` hours (0: they stop at
    /// once, for a secret that leaked), so clients can fetch new ones; a secret replaced earlier
    /// stops now. Throws `invalid_overlap` outside 0 to ``maximumInboxSecretOverlapHours``, and
    /// `unknown_tenant`.
    public func rotateInboxSecret(tenantID: String, keepingPreviousFor hours: Int) async throws -> String {
        guard (0...Self.maximumInboxSecretOverlapHours).contains(hours) else {
            throw ModelError(
                code: "invalid_overlap",
                "the replaced secret may stay valid 0 to \(Self.maximumInboxSecretOverlapHours) hours (got \(hours))")
        }
        let secret = InboxSignature.generateSecret()
        var updated = false
        for try await _ in try await client.query(
            """
            UPDATE notify.tenants
            SET previous_inbox_secret = CASE WHEN \(hours) > 0 THEN inbox_secret END,
                previous_inbox_secret_until = CASE WHEN \(hours) > 0 THEN now() + \(hours) * interval '1 hour' END,
                inbox_secret = \(Data(secret))
            WHERE id = \(tenantID) RETURNING id
            """, logger: logger)
        {
            updated = true
        }
        guard updated else { throw Self.unknownTenant(tenantID) }
        return secret.map { String(format: "%02x", $0) }.joined()
    }

    /// How the tenant's end users may authenticate to the inbox: `signature_or_token` (the
    /// default) or `token` (only expiring tokens, ``InboxToken``). Throws `invalid_inbox_auth`
    /// for anything else, and `unknown_tenant`.
    public func setInboxAuth(tenantID: String, _ mode: String) async throws {
        guard Self.inboxAuthModes.contains(mode) else {
            throw ModelError(
                code: "invalid_inbox_auth",
                "the inbox takes \(Self.inboxAuthModes.joined(separator: " or ")) (got \"\(mode.prefix(40))\")")
        }
        var updated = false
        for try await _ in try await client.query(
            "UPDATE notify.tenants SET inbox_auth = \(mode) WHERE id = \(tenantID) RETURNING id", logger: logger)
        {
            updated = true
        }
        guard updated else { throw Self.unknownTenant(tenantID) }
    }

    /// What ``setInboxAuth(tenantID:_:)`` takes.
    public static let inboxAuthModes = ["signature_or_token", "token"]

    /// The most requests per second a tenant may be given: its burst, twice that, is a PostgreSQL
    /// integer.
    public static let maximumRequestsPerSecond = 1_000_000_000

    /// Sets how many API requests a second the tenant may make, across every API process, with a
    /// burst of twice that (``SharedRequestLimiter``). Throws `invalid_request_rate` outside
    /// 1…``maximumRequestsPerSecond``, and `unknown_tenant`.
    public func setRequestRate(tenantID: String, _ perSecond: Int) async throws {
        guard (1...Self.maximumRequestsPerSecond).contains(perSecond) else {
            throw ModelError(
                code: "invalid_request_rate",
                "a tenant's request rate is 1 to \(Self.maximumRequestsPerSecond) a second (got \(perSecond))")
        }
        var updated = false
        for try await _ in try await client.query(
            "UPDATE notify.tenants SET requests_per_second = \(perSecond) WHERE id = \(tenantID) RETURNING id",
            logger: logger)
        {
            updated = true
        }
        guard updated else { throw Self.unknownTenant(tenantID) }
    }

    /// Every tenant's settings, in id order; no secret is read.
    public func listTenants() async throws -> [TenantSummary] {
        var tenants: [TenantSummary] = []
        for try await row in try await client.query(
            """
            SELECT id, name, requests_per_second, default_locale, default_timezone, retention_days, inbox_auth,
                   created_at
            FROM notify.tenants ORDER BY id
            """, logger: logger)
        {
            let (id, name, rate, locale, zone, retention, inboxAuth, created) = try row.decode(
                (String, String, Int, String, String, Int?, String, Date).self)
            tenants.append(
                TenantSummary(
                    id: id, name: name, requestsPerSecond: rate, defaultLocale: locale, defaultTimeZone: zone,
                    retentionDays: retention, inboxAuth: inboxAuth, createdAt: created))
        }
        return tenants
    }

    /// Creates an API key for a tenant; the returned key's ``APIKey/plaintext`` is never stored.
    public func createKey(tenantID: String, name: String) async throws -> APIKey {
        guard try await tenantExists(tenantID) else { throw Self.unknownTenant(tenantID) }
        let key = APIKey.generate()
        try await client.query(
            """
            INSERT INTO notify.api_keys (id, tenant_id, name, secret_hash)
            VALUES (\(key.id), \(tenantID), \(name), \(Data(APIKey.hash(secret: key.secret))))
            """, logger: logger)
        return key
    }

    /// Revokes an API key by its id (the part after `nk_`) or its full text; returns false if unknown.
    /// A key revoked before stays revoked as it was (see ``revoke(key:)`` to tell the two apart).
    public func revokeKey(_ idOrKey: String) async throws -> Bool {
        try await revoke(key: idOrKey) != .unknown
    }

    /// Revokes an API key by its id (the part after `nk_`) or its full text, and says whether it was
    /// revoked now, had been revoked before (its revocation time is kept), or does not exist.
    public func revoke(key idOrKey: String) async throws -> KeyRevocation {
        let id = (try? APIKey.parse(idOrKey).id) ?? idOrKey
        for try await _ in try await client.query(
            "UPDATE notify.api_keys SET revoked_at = now() WHERE id = \(id) AND revoked_at IS NULL RETURNING id",
            logger: logger)
        {
            return .revoked
        }
        for try await revokedAt in try await client.query(
            "SELECT revoked_at FROM notify.api_keys WHERE id = \(id)", logger: logger
        ).decode(Date?.self) {
            // Not updated above, so revoked already (NULL only if un-revoked meanwhile, which nothing does).
            return revokedAt.map { .alreadyRevoked(since: $0) } ?? .revoked
        }
        return .unknown
    }

    /// Creates an OAuth2 client for the client-credentials grant; the secret is shown once.
    public func createClient(tenantID: String, name: String) async throws -> ClientSecret {
        guard try await tenantExists(tenantID) else { throw Self.unknownTenant(tenantID) }
        let secret = ClientSecret.generate()
        try await client.query(
            """
            INSERT INTO notify.oauth_clients (id, tenant_id, name, secret_hash)
            VALUES (\(secret.id), \(tenantID), \(name), \(Data(ClientSecret.hash(secret: secret.secret))))
            """, logger: logger)
        return secret
    }

    static func unknownTenant(_ id: String) -> ModelError {
        ModelError(
            code: "unknown_tenant", "tenant \"\(id)\" does not exist; create it with `notify tenants create \(id)`")
    }
}
