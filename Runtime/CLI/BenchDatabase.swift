import Foundation
import Logging
import NotifyRuntime
import PostgresNIO

/// A scratch database for a benchmark: `notify_bench_<pid>` on the server, dropped afterwards
/// whatever happens, unless the switch `NOTIFY_BENCH_KEEP_DATABASE` is on (true/on/yes/1) and keeps
/// it for inspection (its name is logged). ``EnvironmentSwitches`` refuses any other value at
/// start-up, before the benchmark runs.
enum BenchDatabase {
    static func with<T>(server: DatabaseURL, logger: Logger, _ body: (DatabaseURL) async throws -> T) async throws -> T
    {
        let database = "notify_bench_\(ProcessInfo.processInfo.processIdentifier)"
        _ = try await withPostgresClient(server, logger: logger) { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(database)"), logger: logger)
        }
        let url = try server.with(database: database)
        let outcome: Result<T, any Error>
        do {
            outcome = .success(try await body(url))
        } catch {
            outcome = .failure(error)
        }
        if ProcessInfo.processInfo.environment["NOTIFY_BENCH_KEEP_DATABASE"].flatMap(EnvironmentSwitches.parse) == true
        {
            logger.notice("benchmark database kept", metadata: ["database": "\(database)"])
            return try outcome.get()
        }
        _ = try? await withPostgresClient(server, logger: logger) { admin in
            try await admin.query(
                PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(database) WITH (FORCE)"), logger: logger)
        }
        return try outcome.get()
    }
}
