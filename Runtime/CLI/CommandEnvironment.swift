import Configuration
import Foundation
import Logging
import Metrics
import NotifyPrivateCluster
import NotifyRuntime
import PostgresNIO
import Prometheus
import Synchronization

/// Settings every command reads once at start-up, from the environment.
///
/// Keys: `DATABASE_URL`; `NOTIFY_LOG_LEVEL` (trace…critical, default info); `NOTIFY_DATA_DIR`
/// (the private dev cluster's folder, default `.notify`).
struct CommandEnvironment: Sendable {
    let config: ConfigReader
    let logger: Logger

    static let metricsRegistry = PrometheusCollectorRegistry()
    private static let bootstrapped = Mutex(false)

    init() {
        let config = ConfigReader(provider: EnvironmentVariablesProvider())
        self.config = config
        let level =
            Logger.Level(rawValue: config.string(forKey: "notify.log.level", default: "info").lowercased()) ?? .info
        Self.bootstrapped.withLock { done in
            guard !done else { return }
            done = true
            LoggingSystem.bootstrap { label in TextLogHandler(label: label, level: level) }
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: Self.metricsRegistry))
        }
        self.logger = Logger(label: "notify")
    }

    var databaseURLString: String? { config.string(forKey: "database.url", isSecret: true) }
    var dataDirectory: String { config.string(forKey: "notify.data.dir", default: ".notify") }

    func int(_ key: String, default value: Int) -> Int { config.int(forKey: ConfigKey(key), default: value) }

    /// The file where a running `notify dev` leaves its database URL for other commands.
    var devURLFile: String { dataDirectory + "/dev-database-url" }

    /// The database to use: DATABASE_URL, else the cluster of a running `notify dev`.
    func resolveDatabase() throws -> DatabaseURL {
        if let url = databaseURLString { return try DatabaseURL(url) }
        if let saved = try? String(contentsOfFile: devURLFile, encoding: .utf8) {
            return try DatabaseURL(saved.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        throw RuntimeError(
            .invalidConfiguration,
            "no database: set DATABASE_URL=postgres://user:password@host:5432/db, or start `notify dev` in this folder first"
        )
    }
}

/// Runs `body` with a running PostgresClient for `url`.
func withPostgresClient<T: Sendable>(
    _ url: DatabaseURL, logger: Logger, applicationName: String = "notify",
    _ body: @Sendable (PostgresClient) async throws -> T
) async throws -> T {
    let client = PostgresClient(configuration: url.clientConfiguration(applicationName: applicationName))
    return try await client.whileRunning { try await body(client) }
}

/// Prints an error for a person and exits with status 1.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
    exit(1)
}
