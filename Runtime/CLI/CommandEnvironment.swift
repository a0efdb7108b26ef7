import Configuration
import Foundation
import Logging
import Metrics
import NotifyAPI
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
        let levelName = config.string(forKey: "notify.log.level", default: "info")
        guard let level = Logger.Level(rawValue: levelName.lowercased()) else {
            fail(
                "NOTIFY_LOG_LEVEL must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")); got \"\(levelName)\""
            )
        }
        Self.bootstrapped.withLock { done in
            guard !done else { return }
            done = true
            LoggingSystem.bootstrap { label in TextLogHandler(label: label, level: level) }
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: Self.metricsRegistry))
        }
        self.logger = Logger(label: "notify")
        // Read where no command environment is at hand (the pool's size, the provider client's
        // connections): checked here, so that a typo stops every command instead of being ignored.
        _ = optionalInt("notify.pool.size", minimum: 1)
        _ = optionalInt("notify.provider.connections", minimum: 1)
    }

    var databaseURLString: String? { config.string(forKey: "database.url", isSecret: true) }
    var dataDirectory: String { config.string(forKey: "notify.data.dir", default: ".notify") }

    /// The whole number in the variable of `key` (`notify.send.chunk` is `NOTIFY_SEND_CHUNK`), else
    /// `value`. A value that is not a whole number, or is below `minimum`, stops the command with
    /// an error that names the variable: a typo in a setting is never silently replaced by its
    /// default.
    func int(_ key: String, default value: Int, minimum: Int = .min) -> Int {
        guard let raw = config.string(forKey: ConfigKey(key)) else { return value }
        let variable = Self.variable(key)
        guard let parsed = Int(raw.trimmingCharacters(in: .whitespaces)) else {
            fail("\(variable) must be a whole number; got \"\(raw)\"")
        }
        guard parsed >= minimum else { fail("\(variable) must be at least \(minimum); got \(parsed)") }
        return parsed
    }

    /// The whole number in the variable of `key`, or nil when it is not set; checked as ``int(_:default:minimum:)``.
    func optionalInt(_ key: String, minimum: Int = .min) -> Int? {
        config.string(forKey: ConfigKey(key)) == nil ? nil : int(key, default: 0, minimum: minimum)
    }

    /// The switch in the variable of `key` (true/false, on/off, yes/no, 1/0), else `value`; any
    /// other text stops the command with an error that names the variable.
    func bool(_ key: String, default value: Bool) -> Bool {
        guard let raw = config.string(forKey: ConfigKey(key)) else { return value }
        guard let value = EnvironmentSwitches.parse(raw) else {
            fail("\(Self.variable(key)) must be true or false (or on/off); got \"\(raw)\"")
        }
        return value
    }

    /// The absolute http(s) URL in the variable of `key`, or nil when it is not set; anything else
    /// stops the command with an error that names the variable.
    func url(_ key: String) -> String? {
        guard let raw = config.string(forKey: ConfigKey(key)) else { return nil }
        guard let url = URL(string: raw), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            url.host?.isEmpty == false
        else {
            fail(
                "\(Self.variable(key)) must be an absolute http(s) URL such as https://notify.example.com; got \"\(raw)\""
            )
        }
        return raw
    }

    /// The web origins whose pages may call the inbox API (`NOTIFY_INBOX_ORIGINS`: `*`, the
    /// default, or a comma-separated list); an entry that is not an origin stops the command with
    /// an error that names the variable.
    func inboxOrigins() -> InboxOrigins {
        guard let raw = config.string(forKey: "notify.inbox.origins") else { return .any }
        do {
            return try InboxOrigins.parse(raw)
        } catch {
            fail(
                "NOTIFY_INBOX_ORIGINS must be * or a comma-separated list of origins such as "
                    + "https://app.example.com,http://localhost:3000 (no path); got \"\(error.entry)\"")
        }
    }

    /// The environment variable of a configuration key: `notify.send.chunk` → `NOTIFY_SEND_CHUNK`.
    static func variable(_ key: String) -> String { key.uppercased().replacingOccurrences(of: ".", with: "_") }

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
