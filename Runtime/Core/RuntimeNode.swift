import Logging
import NotifyFunctionKit
import PostgresNIO
import ServiceLifecycle

/// One process's share of the runtime: migrates the database, publishes its functions, then runs
/// a ``Worker`` for them and, when asked, campaigns for scheduler leadership and publishes queue
/// gauges. Put it in a `ServiceGroup` after the `PostgresClient` it uses.
public struct RuntimeNode: Service {
    /// What this process runs.
    public struct Options: Sendable {
        /// Run the worker (false for a leader-only or API-only process).
        public var work: Bool = true
        /// Campaign for scheduler leadership.
        public var lead: Bool = true
        /// Publish per-queue gauges.
        public var collectQueueStats: Bool = false
        /// Apply migrations before starting.
        public var migrate: Bool = true
        /// Election timing.
        public var election: LeaderElection.Configuration? = nil

        /// Creates options.
        public init(
            work: Bool = true, lead: Bool = true, collectQueueStats: Bool = false, migrate: Bool = true,
            election: LeaderElection.Configuration? = nil
        ) {
            self.work = work
            self.lead = lead
            self.collectQueueStats = collectQueueStats
            self.migrate = migrate
            self.election = election
        }
    }

    public let worker: Worker
    public let leader: LeaderElection?
    let options: Options
    let client: PostgresClient
    let catalog: FunctionCatalog
    let logger: Logger

    /// Creates a node. `catalog` lists the functions to run from the queue; `tick` is the
    /// `schedule-tick` entry, needed when `options.lead` is set.
    public init(
        options: Options, worker configuration: WorkerConfiguration, catalog: FunctionCatalog,
        tick: FunctionCatalog.Entry?, client: PostgresClient, databaseURL: DatabaseURL, producer: JobProducer,
        logger: Logger, onFirstClaim: (@Sendable () -> Void)? = nil
    ) {
        self.options = options
        self.client = client
        self.catalog = catalog
        self.logger = logger
        self.worker = Worker(
            configuration: configuration, catalog: catalog, client: client, databaseURL: databaseURL,
            producer: producer, logger: logger, onFirstClaim: onFirstClaim)
        if options.lead, let tick {
            self.leader = LeaderElection(
                configuration: options.election ?? .init(holder: configuration.workerID), databaseURL: databaseURL,
                client: client, tick: tick, clock: configuration.clock, logger: logger)
        } else {
            self.leader = nil
        }
    }

    public func run() async throws {
        if options.migrate {
            try await Migrator(client: client, logger: logger).migrate()
        }
        try await catalog.publish(to: client, logger: logger)
        try await withThrowingDiscardingTaskGroup { group in
            if options.work { group.addTask { try await worker.run() } }
            if let leader { group.addTask { try await leader.run() } }
            if options.collectQueueStats {
                group.addTask { try await QueueStatsCollector(client: client, logger: logger).run() }
            }
        }
    }
}
