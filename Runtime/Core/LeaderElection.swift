import Foundation
import Logging
import NIOCore
import NIOPosix
import NotifyFunctionKit
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Elects one scheduler leader among all processes and runs `schedule-tick` on it.
///
/// Leadership is `pg_try_advisory_lock` held on a dedicated session connection: when the leader
/// dies or loses its connection, PostgreSQL drops the lock and another process takes it on its next
/// try (every ``Configuration/retryInterval``). A new leader increments the term in
/// `notify.leader`; each tick runs in a transaction on the same connection that first locks that
/// row and checks the term, so a deposed leader cannot act on stale authority, and ticks of two
/// leaders never overlap.
///
/// The connection must be direct: advisory locks do not survive a transaction-mode pooler such as
/// PgBouncer in transaction mode.
public final class LeaderElection: Service, Sendable {
    /// Timing of the election.
    public struct Configuration: Sendable {
        /// How often a follower tries to take the lock (default 1 s).
        public var retryInterval: Duration
        /// How often the leader ticks (default 1 s).
        public var tickInterval: Duration
        /// This process's name in `notify.leader.holder`.
        public var holder: String

        /// Creates a configuration.
        public init(retryInterval: Duration = .seconds(1), tickInterval: Duration = .seconds(1), holder: String) {
            self.retryInterval = retryInterval
            self.tickInterval = tickInterval
            self.holder = holder
        }
    }

    /// The advisory lock key of the scheduler leader ("notify" in ASCII, plus 2).
    static let lockKey: Int64 = 0x6E_6F_74_69_66_79_02

    let configuration: Configuration
    let databaseURL: DatabaseURL
    let client: PostgresClient
    let tick: FunctionCatalog.Entry
    let clock: any NotifyClock
    let logger: Logger
    private let currentTerm = Atomic<Int64>(0)
    private let ticks = Atomic<Int>(0)

    /// Creates an election. `tick` is the `schedule-tick` function's catalog entry.
    public init(
        configuration: Configuration, databaseURL: DatabaseURL, client: PostgresClient, tick: FunctionCatalog.Entry,
        clock: any NotifyClock = SystemClock(), logger: Logger
    ) {
        self.configuration = configuration
        self.databaseURL = databaseURL
        self.client = client
        self.tick = tick
        self.clock = clock
        var logger = logger
        logger[metadataKey: "holder"] = "\(configuration.holder)"
        self.logger = logger
    }

    /// The term this process leads, or nil when it follows.
    public var term: Int64? {
        let value = currentTerm.load(ordering: .relaxed)
        return value > 0 ? value : nil
    }

    /// Ticks completed as leader.
    public var tickCount: Int { ticks.load(ordering: .relaxed) }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.campaign()
        }
        currentTerm.store(0, ordering: .relaxed)
    }

    private func campaign() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                try await DedicatedConnection.with(
                    databaseURL, name: "notify-leader", id: 3, logger: logger, closeOnCancel: false
                ) { connection in
                    failures = 0
                    try await self.follow(on: connection)
                }
            } catch {
                currentTerm.store(0, ordering: .relaxed)
                if Task.isCancelled { return }
                failures += 1
                logger.warning(
                    "leader election connection lost", metadata: ["error": "\(LogSafeError.describe(error))"])
                try? await Task.sleep(for: .milliseconds(min(2000, 100 << min(failures, 5))))
            }
        }
    }

    /// Tries for the lock until it is won, then leads until the connection or the term is lost.
    private func follow(on connection: PostgresConnection) async throws {
        while !Task.isCancelled {
            let won =
                try await connection.query("SELECT pg_try_advisory_lock(\(Self.lockKey))", logger: logger)
                .collect().first?.decode(Bool.self) ?? false
            if won {
                try await lead(on: connection)
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
                return
            }
            try await Task.sleep(for: configuration.retryInterval)
        }
    }

    private func lead(on connection: PostgresConnection) async throws {
        let term =
            try await connection.query(
                """
                UPDATE notify.leader SET term = term + 1, holder = \(configuration.holder), elected_at = now()
                WHERE id = 1 RETURNING term
                """, logger: logger
            ).collect().first?.decode(Int64.self) ?? 0
        currentTerm.store(term, ordering: .relaxed)
        var logger = self.logger
        logger[metadataKey: LogKeys.term] = "\(term)"
        logger.info("became scheduler leader")
        defer {
            currentTerm.store(0, ordering: .relaxed)
            logger.info("no longer scheduler leader")
        }
        let statistics = StatisticsKeeper(logger: logger)
        var lastStatisticsCheck = ContinuousClock.now - StatisticsKeeper.interval
        while !Task.isCancelled {
            let stillLeader = try await runTick(term: term, on: connection, logger: logger)
            if !stillLeader {
                logger.warning("deposed: another process holds a newer term")
                return
            }
            if ContinuousClock.now - lastStatisticsCheck >= StatisticsKeeper.interval {
                lastStatisticsCheck = .now
                do {
                    try await statistics.refresh(on: connection)
                } catch  where !Task.isCancelled {
                    logger.warning(
                        "could not refresh table statistics", metadata: ["error": "\(LogSafeError.describe(error))"])
                }
            }
            try await Task.sleep(for: configuration.tickInterval)
        }
    }

    /// One tick: check the term under the row lock, run `schedule-tick`, apply its actions, record.
    /// Returns false when the term has moved on.
    func runTick(term: Int64, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        try await connection.withTransaction(logger: logger) { connection in
            let current = try await connection.query(
                "SELECT term FROM notify.leader WHERE id = 1 FOR UPDATE", logger: logger
            ).collect().first?.decode(Int64.self)
            guard current == term else { return false }
            // The tick's statements read a few rows through indexes, but some are planned with
            // large estimated costs (a retention or a time not known until they run); above
            // `jit_above_cost`, PostgreSQL compiled them with LLVM first, up to 1 s a call under
            // load (measured with auto_explain during a benchmark), for statements that take
            // 0.14 ms on average without it.
            try await connection.query("SET LOCAL jit = off", logger: logger)
            let started =
                try await connection.query("SELECT clock_timestamp()", logger: logger)
                .collect().first?.decode(Date.self) ?? Date()
            let context = FunctionContext(
                jobID: 0, attempt: 1, maxAttempts: 1, deadline: .now + tick.settings.timeout, tenantID: nil,
                lane: .critical, logger: logger, database: FunctionDatabase(client: client), clock: clock)
            let output = try await tick.invoke(JobPayload(json: "{}"), context)
            let report = try await MaintenanceRunner(logger: logger).run(
                output.maintenance, on: connection, holder: configuration.holder)
            for write in output.runnableWrites { try await connection.query(write, logger: logger) }
            if !output.next.isEmpty {
                logger.warning("schedule-tick returned next jobs; the leader ignores them")
            }
            try await connection.query(
                """
                INSERT INTO notify.leader_ticks (term, holder, started_at, finished_at)
                VALUES (\(term), \(configuration.holder), \(started), clock_timestamp());
                """, logger: logger)
            try await connection.query("UPDATE notify.leader SET last_tick_at = now() WHERE id = 1", logger: logger)
            if report.rescued + report.buried + report.promoted + report.pruned > 0 {
                logger.info(
                    "tick",
                    metadata: [
                        "promoted": "\(report.promoted)", "rescued": "\(report.rescued)", "buried": "\(report.buried)",
                        "pruned": "\(report.pruned)",
                    ])
            }
            ticks.add(1, ordering: .relaxed)
            return true
        }
    }
}
