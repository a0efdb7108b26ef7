import Logging
import PostgresNIO

/// Applies ``Migrations/all`` to a database.
///
/// Safe when several processes start at once: each migration runs in its own transaction that
/// first takes a transaction-scoped advisory lock, so migrators queue behind each other and a
/// latecomer finds the version already recorded and skips it.
public struct Migrator: Sendable {
    /// The advisory lock key that serialises migrators ("notify" in ASCII, plus 1).
    static let lockKey: Int64 = 0x6E_6F_74_69_66_79_01

    let client: PostgresClient
    let migrations: [Migration]
    let logger: Logger

    /// Creates a migrator.
    public init(client: PostgresClient, migrations: [Migration] = Migrations.all, logger: Logger) {
        self.client = client
        self.migrations = migrations
        self.logger = logger
    }

    /// The versions recorded in the database, or an empty list for a new database.
    public func appliedVersions() async throws -> [Int] {
        let exists =
            try await client.query(
                "SELECT to_regclass('notify.schema_migrations') IS NOT NULL", logger: logger
            ).collect().first?.decode(Bool.self) ?? false
        guard exists else { return [] }
        var versions: [Int] = []
        let rows = try await client.query(
            "SELECT version FROM notify.schema_migrations ORDER BY version", logger: logger)
        for try await version in rows.decode(Int.self) { versions.append(version) }
        return versions
    }

    /// Applies every pending migration and returns the versions it applied.
    ///
    /// - Throws: ``RuntimeError`` `schema_too_new` when the database was migrated by a newer
    ///   release, `migration_failed` with the server's message when a migration fails.
    @discardableResult
    public func migrate() async throws -> [Migration] {
        var applied: [Migration] = []
        let known = Set(try await appliedVersions())
        for migration in migrations where !known.contains(migration.version) {
            if try await applyRetryingCatalogRaces(migration) { applied.append(migration) }
        }
        let newest = try await client.withConnection { connection in
            try await connection.query("SELECT max(version) FROM notify.schema_migrations", logger: logger)
                .collect().first?.decode(Int?.self) ?? nil
        }
        if let newest, let known = migrations.last?.version, newest > known {
            throw RuntimeError(
                .schemaTooNew,
                "the database schema is at version \(newest) but this build knows only up to \(known): upgrade notify")
        }
        return applied
    }

    /// An advisory lock does not make PostgreSQL reread its catalog caches, so a migrator that waited
    /// for another can still miss the schema the other just created and fail with a duplicate-object
    /// error. Such a failure rolled back cleanly; trying again (with fresh caches) is correct.
    private func applyRetryingCatalogRaces(_ migration: Migration) async throws -> Bool {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await apply(migration)
            } catch let race as CatalogRace where attempt < 5 {
                logger.debug("migration raced another migrator; retrying", metadata: ["sqlstate": "\(race.sqlState)"])
            } catch let race as CatalogRace {
                throw race.error
            }
        }
    }

    private struct CatalogRace: Error {
        let sqlState: String
        let error: RuntimeError
    }

    private func apply(_ migration: Migration) async throws -> Bool {
        try await client.withConnection { connection in
            do {
                for statement in [
                    "BEGIN", "SELECT pg_advisory_xact_lock(\(Self.lockKey))", "CREATE SCHEMA IF NOT EXISTS notify",
                    """
                    CREATE TABLE IF NOT EXISTS notify.schema_migrations (
                        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                    """,
                ] {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                let done = try await connection.query(
                    "SELECT 1 FROM notify.schema_migrations WHERE version = \(migration.version)", logger: logger
                ).collect()
                if !done.isEmpty {
                    try await connection.query("COMMIT", logger: logger)
                    return false
                }
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO notify.schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger)
                try await connection.query("COMMIT", logger: logger)
                logger.info(
                    "applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                return true
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                let failure = RuntimeError(
                    .migrationFailed,
                    "migration \(migration.version) (\(migration.name)) failed: \(String(reflecting: error))")
                if let state = (error as? PSQLError)?.serverInfo?[.sqlState],
                    ["23505", "42P06", "42P07", "42710"].contains(state)
                {
                    throw CatalogRace(sqlState: state, error: failure)
                }
                throw failure
            }
        }
    }
}
