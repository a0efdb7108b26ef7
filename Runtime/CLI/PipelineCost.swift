import Foundation
import Logging
import PostgresNIO

#if canImport(Glibc)
import Glibc
#endif

/// What a benchmark's throughput phase cost per notification: CPU in this process (API, worker
/// and, for channel benchmarks, the provider sandbox), CPU in the PostgreSQL server's processes,
/// and database transactions. It says what limits the rate on a machine where both share the cores:
/// how busy the whole machine was during the phase, and the rate at which this work per
/// notification would keep every core busy.
///
/// The server's CPU is read from `/proc` for every process `pg_stat_activity` lists (backends and
/// background workers) at each reading, so it is known only for a server on this machine (otherwise
/// nil), and a backend that exits during the phase takes its share with it.
struct PipelineCost: Codable, Sendable {
    var engineCPUMilliseconds: Double
    var postgresCPUMilliseconds: Double?
    var transactions: Double
    /// Bytes of write-ahead log the server wrote, by any session: a measure of the database's
    /// write work that does not move with the host's speed.
    var walBytes: Double
    /// The share of all cores' time that was spent busy (by any process) during the phase; nil
    /// where `/proc/stat` cannot be read.
    var machineBusyPercent: Double?
    /// The cores divided by the CPU time per notification (engine and server): the rate at which
    /// this work would keep every core busy; nil when the server's CPU is unknown.
    var cpuBoundPerSecond: Double?

    enum CodingKeys: String, CodingKey {
        case engineCPUMilliseconds = "engine_cpu_ms"
        case postgresCPUMilliseconds = "postgres_cpu_ms"
        case transactions
        case walBytes = "wal_bytes"
        case machineBusyPercent = "machine_busy_percent"
        case cpuBoundPerSecond = "cpu_bound_per_second"
    }

    /// The benchmarks' note on these figures.
    static let note =
        "cost_per_notification: during the throughput phase, CPU milliseconds of this process (engine_cpu_ms) and of the PostgreSQL server's processes (postgres_cpu_ms, null for a server on another machine), database transactions, and bytes of write-ahead log the server wrote (wal_bytes, by any session), each divided by the notifications; their sum over the cores available bounds the rate: cpu_bound_per_second is the cores divided by that sum, and machine_busy_percent the share of all cores' time spent busy by any process during the phase (from /proc/stat): near 100, the rate is bound by the CPU"

    /// The figures on one line.
    var text: String {
        "engine \(engineCPUMilliseconds) ms CPU, PostgreSQL \(postgresCPUMilliseconds.map { "\($0) ms CPU" } ?? "unknown"), \(transactions) transactions and \(Int(walBytes)) bytes of WAL per notification; machine \(machineBusyPercent.map { "\($0) %" } ?? "unknown") busy, CPU-bound at \(cpuBoundPerSecond.map { "\(Int($0))/s" } ?? "unknown")"
    }

    /// A reading taken before the phase; ``since(_:notifications:client:logger:)`` takes the second.
    struct Reading: Sendable {
        var engineSeconds: Double
        var postgresSeconds: Double?
        var transactions: Int64
        /// The server's write-ahead log position, in bytes.
        var walPosition: Double
        var machine: MachineTimes?
    }

    /// Busy and total time of all the machine's cores, in clock ticks since boot.
    struct MachineTimes: Sendable {
        var busy: Double
        var total: Double
    }

    static func read(_ client: PostgresClient, logger: Logger) async throws -> Reading {
        var pids: [Int32] = []
        for try await pid in try await client.query("SELECT pid FROM pg_stat_activity", logger: logger).decode(
            Int32.self)
        {
            pids.append(pid)
        }
        var transactions: Int64 = 0
        var walPosition = 0.0
        for try await (count, position) in try await client.query(
            """
            SELECT (xact_commit + xact_rollback)::bigint, pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8
            FROM pg_stat_database WHERE datname = current_database()
            """,
            logger: logger
        ).decode((Int64, Double).self) {
            transactions = count
            walPosition = position
        }
        return Reading(
            engineSeconds: processSeconds(), postgresSeconds: serverSeconds(pids), transactions: transactions,
            walPosition: walPosition, machine: machineTimes())
    }

    /// The cost per notification since `before`.
    static func since(
        _ before: Reading, notifications: Int, client: PostgresClient, logger: Logger
    ) async throws
        -> PipelineCost
    {
        // The machine's times end with the phase, before the wait below.
        let machineAfter = machineTimes()
        // The statistics collector reports transaction counts with a delay of up to half a second.
        try await Task.sleep(for: .milliseconds(600))
        let after = try await read(client, logger: logger)
        let count = Double(max(notifications, 1))
        func perNotification(_ seconds: Double) -> Double { (seconds * 1000 / count * 100).rounded() / 100 }
        var postgres: Double?
        if let first = before.postgresSeconds, let second = after.postgresSeconds {
            postgres = perNotification(second - first)
        }
        let engine = perNotification(after.engineSeconds - before.engineSeconds)
        var busyPercent: Double?
        if let first = before.machine, let second = machineAfter, second.total > first.total {
            busyPercent = ((second.busy - first.busy) / (second.total - first.total) * 1000).rounded() / 10
        }
        var bound: Double?
        if let postgres, engine + postgres > 0 {
            bound = (Double(ProcessInfo.processInfo.activeProcessorCount) * 1000 / (engine + postgres)).rounded()
        }
        return PipelineCost(
            engineCPUMilliseconds: engine, postgresCPUMilliseconds: postgres,
            transactions: (Double(after.transactions - before.transactions) / count * 100).rounded() / 100,
            walBytes: ((after.walPosition - before.walPosition) / count).rounded(),
            machineBusyPercent: busyPercent, cpuBoundPerSecond: bound)
    }

    /// The machine's busy and total core time from the first line of `/proc/stat` (user, nice,
    /// system, idle, iowait, irq, softirq, steal; idle and iowait count as not busy, time the
    /// hypervisor gave to others as not available), or nil where it cannot be read.
    static func machineTimes() -> MachineTimes? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n", maxSplits: 1).first, line.hasPrefix("cpu ")
        else { return nil }
        let ticks = line.split(separator: " ").dropFirst().prefix(8).compactMap { Double($0) }
        guard ticks.count == 8 else { return nil }
        let total = ticks.reduce(0, +)
        return MachineTimes(busy: total - ticks[3] - ticks[4] - ticks[7], total: total)
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
