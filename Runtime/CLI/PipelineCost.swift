import Foundation
import Logging
import PostgresNIO

#if canImport(Glibc)
import Glibc
#endif

/// What a benchmark's throughput phase cost per notification: CPU in this process (API, worker
/// and, for channel benchmarks, the provider sandbox), CPU in the PostgreSQL server's processes,
/// and database transactions. It says what limits the rate on a machine where both share the cores.
///
/// The server's CPU is read from `/proc` for every process `pg_stat_activity` lists (backends and
/// background workers) at each reading, so it is known only for a server on this machine (otherwise
/// nil), and a backend that exits during the phase takes its share with it.
struct PipelineCost: Codable, Sendable {
    var engineCPUMilliseconds: Double
    var postgresCPUMilliseconds: Double?
    var transactions: Double

    enum CodingKeys: String, CodingKey {
        case engineCPUMilliseconds = "engine_cpu_ms"
        case postgresCPUMilliseconds = "postgres_cpu_ms"
        case transactions
    }

    /// The benchmarks' note on these figures.
    static let note =
        "cost_per_notification: during the throughput phase, CPU milliseconds of this process (engine_cpu_ms) and of the PostgreSQL server's processes (postgres_cpu_ms, null for a server on another machine), and database transactions, each divided by the notifications; their sum over the cores available bounds the rate"

    /// The figures on one line.
    var text: String {
        "engine \(engineCPUMilliseconds) ms CPU, PostgreSQL \(postgresCPUMilliseconds.map { "\($0) ms CPU" } ?? "unknown"), \(transactions) transactions per notification"
    }

    /// A reading taken before the phase; ``since(_:notifications:client:logger:)`` takes the second.
    struct Reading: Sendable {
        var engineSeconds: Double
        var postgresSeconds: Double?
        var transactions: Int64
    }

    static func read(_ client: PostgresClient, logger: Logger) async throws -> Reading {
        var pids: [Int32] = []
        for try await pid in try await client.query("SELECT pid FROM pg_stat_activity", logger: logger).decode(
            Int32.self)
        {
            pids.append(pid)
        }
        var transactions: Int64 = 0
        for try await count in try await client.query(
            "SELECT (xact_commit + xact_rollback)::bigint FROM pg_stat_database WHERE datname = current_database()",
            logger: logger
        ).decode(Int64.self) {
            transactions = count
        }
        return Reading(
            engineSeconds: processSeconds(), postgresSeconds: serverSeconds(pids), transactions: transactions)
    }

    /// The cost per notification since `before`.
    static func since(
        _ before: Reading, notifications: Int, client: PostgresClient, logger: Logger
    ) async throws
        -> PipelineCost
    {
        // The statistics collector reports transaction counts with a delay of up to half a second.
        try await Task.sleep(for: .milliseconds(600))
        let after = try await read(client, logger: logger)
        let count = Double(max(notifications, 1))
        func perNotification(_ seconds: Double) -> Double { (seconds * 1000 / count * 100).rounded() / 100 }
        var postgres: Double?
        if let first = before.postgresSeconds, let second = after.postgresSeconds {
            postgres = perNotification(second - first)
        }
        return PipelineCost(
            engineCPUMilliseconds: perNotification(after.engineSeconds - before.engineSeconds),
            postgresCPUMilliseconds: postgres,
            transactions: (Double(after.transactions - before.transactions) / count * 100).rounded() / 100)
    }

    /// User and system CPU seconds of this process.
    static func processSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
    }

    /// User and system CPU seconds of the given processes from `/proc`, or nil when any cannot be
    /// read (a server on another machine).
    static func serverSeconds(_ pids: [Int32]) -> Double? {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var total = 0.0
        for pid in pids {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let end = stat.lastIndex(of: ")")
            else { return nil }
            // Fields after the command name: state is field 3, utime 14 and stime 15.
            let fields = stat[stat.index(after: end)...].split(separator: " ")
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
            total += (user + system) / ticks
        }
        return total
    }
}
