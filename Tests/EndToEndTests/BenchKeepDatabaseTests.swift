import Foundation
import NotifyTestSupport
import PostgresNIO
import Testing

/// `NOTIFY_BENCH_KEEP_DATABASE` is a switch like the others: any of its spellings keeps the
/// benchmark's database, and a value that is not one stops the command before it runs, naming it.
@Suite("NOTIFY_BENCH_KEEP_DATABASE", .timeLimit(.minutes(3)))
struct BenchKeepDatabaseTests {
    static let tinyRun = ["bench", "runtime", "--jobs", "1", "--samples", "10", "--notify-seconds", "0"]

    @Test("a value that is not a switch is refused, naming the variable", arguments: ["maybe", "2", "keep"])
    func refusesAnythingElse(value: String) async throws {
        let url = try await TestCluster.freshDatabase()
        let result = try await NotifyProcess.run(
            Self.tinyRun, databaseURL: url.secretURLString, environment: ["NOTIFY_BENCH_KEEP_DATABASE": value])
        #expect(result.status == 1, "\(result.log)")
        #expect(
            result.log.contains("NOTIFY_BENCH_KEEP_DATABASE must be true or false (or on/off); got \"\(value)\""),
            "\(result.log)")
    }

    @Test("true keeps the benchmark's database, off drops it")
    func keepsOnTrue() async throws {
        let url = try await TestCluster.freshDatabase()
        func benchDatabases() async throws -> Set<String> {
            try await TestCluster.withClient(url) { client in
                let rows = try await client.query(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'notify_bench_%'", logger: TestCluster.logger
                ).collect()
                return Set(try rows.map { try $0.decode(String.self) })
            }
        }
        let before = try await benchDatabases()
        let dropped = try await NotifyProcess.run(
            Self.tinyRun, databaseURL: url.secretURLString, environment: ["NOTIFY_BENCH_KEEP_DATABASE": "off"])
        #expect(dropped.status == 0, "\(dropped.log)")
        #expect(try await benchDatabases() == before)

        let kept = try await NotifyProcess.run(
            Self.tinyRun, databaseURL: url.secretURLString, environment: ["NOTIFY_BENCH_KEEP_DATABASE": "true"])
        #expect(kept.status == 0, "\(kept.log)")
        let added = try await benchDatabases().subtracting(before)
        #expect(added.count == 1, "\(added)")
        #expect(kept.log.contains("benchmark database kept"), "\(kept.log)")
        try await TestCluster.withClient(url) { client in
            for name in added {
                try await client.query(
                    PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"),
                    logger: TestCluster.logger)
            }
        }
    }
}
