import Logging
import PostgresNIO

/// Applies ``Migrations/all`` to a database.
///
/// Safe when several processes start at once: a migrator holds a session advisory lock from
/// before it reads the applied versions until after its last migration, so migrators queue behind
/// each other and a latecomer finds the versions already recorded and skips them.
///
/// A waiting migrator polls for the lock (`pg_try_advisory_lock`) instead of blocking in the
/// server: `CREATE INDEX CONCURRENTLY` (see ``Migration/transactional``) waits for every
/// transaction older than itself, so a migrator blocked on the lock inside a statement would
/// deadlock with the one building the index.
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

    /// How often a migrator waiting for another looks at the lock again.
    static let lockPollInterval: Duration = .milliseconds(50)

    /// Applies every pending migration and returns the versions it applied.
    ///
    /// - Throws: ``RuntimeError`` `schema_too_new` when the database was migrated by a newer
    ///   release, `migration_failed` with the server's message when a migration fails.
    @discardableResult
    public func migrate() async throws -> [Migration] {
        try await client.withConnection { connection in
            try await lock(on: connection)
            do {
                let applied = try await migrate(on: connection)
                _ = try await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger).collect()
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger).collect()
                throw error
            }
        }
    }

    /// Takes the migrators' session lock, polling, and saying in the log when it waits long.
    private func lock(on connection: PostgresConnection) async throws {
        let started = ContinuousClock.now
        var lastSaid = started
        while true {
            let taken =
                try await connection.query("SELECT pg_try_advisory_lock(\(Self.lockKey))", logger: logger)
                .collect().first?.decode(Bool.self) ?? false
            if taken { return }
            if ContinuousClock.now - lastSaid >= .seconds(10) {
                lastSaid = .now
                logger.info(
                    "waiting for another process's migrations to finish",
                    metadata: ["waited_s": "\(Int((ContinuousClock.now - started).inSeconds))"])
            }
            try await Task.sleep(for: Self.lockPollInterval)
        }
    }

    private func migrate(on connection: PostgresConnection) async throws -> [Migration] {
        for statement in [
            "CREATE SCHEMA IF NOT EXISTS notify",
            """
            CREATE TABLE IF NOT EXISTS notify.schema_migrations (
                version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
            """,
        ] {
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
        var known = Set<Int>()
        let rows = try await connection.query("SELECT version FROM notify.schema_migrations", logger: logger)
        for try await version in rows.decode(Int.self) { known.insert(version) }
        var applied: [Migration] = []
        for migration in migrations where !known.contains(migration.version) {
            if try await applyRetryingCatalogRaces(migration, on: connection) { applied.append(migration) }
        }
        let newest =
            try await connection.query("SELECT max(version) FROM notify.schema_migrations", logger: logger)
            .collect().first?.decode(Int?.self) ?? nil
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
    private func applyRetryingCatalogRaces(
        _ migration: Migration, on connection: PostgresConnection
    ) async throws
        -> Bool
    {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await apply(migration, on: connection)
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

    private func apply(_ migration: Migration, on connection: PostgresConnection) async throws -> Bool {
        do {
            if migration.transactional { try await connection.query("BEGIN", logger: logger) }
            let done = try await connection.query(
                "SELECT 1 FROM notify.schema_migrations WHERE version = \(migration.version)", logger: logger
            ).collect()
            if !done.isEmpty {
                if migration.transactional { try await connection.query("COMMIT", logger: logger) }
                return false
            }
            for statement in migration.statements {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await connection.query(
                "INSERT INTO notify.schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                logger: logger)
            if migration.transactional { try await connection.query("COMMIT", logger: logger) }
            logger.info(
                "applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            return true
        } catch {
            if migration.transactional { _ = try? await connection.query("ROLLBACK", logger: logger) }
            let failure = RuntimeError(
                .migrationFailed,
                "migration \(migration.version) (\(migration.name)) failed: \(LogSafeError.message(error))")
            if let state = (error as? PSQLError)?.serverInfo?[.sqlState],
                ["23505", "42P06", "42P07", "42710"].contains(state)
            {
                throw CatalogRace(sqlState: state, error: failure)
            }
            throw failure
        }
    }
}
