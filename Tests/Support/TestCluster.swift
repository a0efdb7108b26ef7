import Foundation
import Logging
import NotifyPrivateCluster
import NotifyRuntime
import PostgresNIO
import Synchronization

/// The PostgreSQL server of a test run: `DATABASE_URL`'s server when set, else a private cluster
/// started once per test process (and stopped when the process exits). Every test gets its own
/// database, copied from a migrated template, so suites run in parallel.
public enum TestCluster {
    private static let shared = Mutex<Task<DatabaseURL, any Error>?>(nil)
    private static let running = Mutex<PrivateCluster?>(nil)
    private static let counter = Atomic<Int>(0)

    /// A logger for tests: warnings and above to standard error (NOTIFY_TEST_LOG_LEVEL overrides).
    public static let logger: Logger = {
        var logger = Logger(label: "notify-test")
        let level = ProcessInfo.processInfo.environment["NOTIFY_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        logger.logLevel = level ?? .warning
        return logger
    }()

    /// The template database's URL on the shared server (migrated once).
    static func template() async throws -> DatabaseURL {
        let task = shared.withLock { task -> Task<DatabaseURL, any Error> in
            if let task { return task }
            let created = Task { try await startServer() }
            task = created
            return created
        }
        return try await task.value
    }

    private static func startServer() async throws -> DatabaseURL {
        let server: DatabaseURL
        if let configured = ProcessInfo.processInfo.environment["DATABASE_URL"], !configured.isEmpty {
            server = try DatabaseURL(configured)
        } else {
            let cluster = try await PrivateCluster.start(
                .init(durable: false, settings: ["max_connections": "500"]), logger: logger)
            running.withLock { $0 = cluster }
            atexit { TestCluster.stopAtExit() }
            server = try DatabaseURL(cluster.localConnectionURL())
        }
        let template = "notify_test_template_\(ProcessInfo.processInfo.processIdentifier)"
        _ = try await withClient(server) { client in
            try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(template)"), logger: logger)
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(template)"), logger: logger)
        }
        let templateURL = try server.with(database: template)
        _ = try await withClient(templateURL) { client in
            try await Migrator(client: client, logger: logger).migrate()
        }
        return templateURL
    }

    static func stopAtExit() {
        running.withLock { $0?.stopImmediatelyForProcessExit() }
    }

    /// A new, migrated, empty database for one test.
    public static func freshDatabase() async throws -> DatabaseURL {
        let template = try await template()
        let name = "t_\(ProcessInfo.processInfo.processIdentifier)_\(counter.add(1, ordering: .relaxed).newValue)"
        let admin = try template.with(database: "postgres")
        _ = try await withClient(admin) { client in
            try await client.query(
                PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE \(template.database) STRATEGY FILE_COPY"),
                logger: logger)
        }
        return try template.with(database: name)
    }

    /// Runs `body` with a running client for `url`.
    public static func withClient<T: Sendable>(
        _ url: DatabaseURL, _ body: @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        var configuration = url.clientConfiguration(applicationName: "notify-test")
        configuration.options.maximumConnections = 10
        let client = PostgresClient(configuration: configuration)
        return try await client.whileRunning { try await body(client) }
    }
}
