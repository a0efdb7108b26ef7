import Foundation
import Logging
import NotifyAPI
import NotifyHTTP
import NotifyRuntime
import PostgresNIO
import ServiceLifecycle

/// Assembles one process's ServiceGroup: the PostgreSQL pool, the runtime node (worker, leader,
/// queue gauges) and the optional operations listener, shut down gracefully on SIGTERM/SIGINT.
struct RuntimeLauncher {
    let environment: CommandEnvironment
    let url: DatabaseURL
    let catalog: FunctionCatalog
    let workerOptions: WorkerOptions
    let lead: Bool
    let httpHost: String
    let httpPort: Int?
    /// When set, the listener serves the whole HTTP API (and its inbox streams), not only the
    /// operations routes.
    var secrets: EngineSecrets? = nil
    var onReady: (@Sendable () -> Void)? = nil
    /// Services that start first and stop last, such as `notify dev`'s provider sandbox.
    var supportingServices: [any Service] = []
    /// Work to do once the services run, such as wiring the demo tenant to the sandbox; a failure
    /// is logged and shuts the process down.
    var afterStart: (@Sendable () async throws -> Void)? = nil

    /// How long the services have to stop after they stop gracefully: the worker's last writes and
    /// the leader's unlock, after its grace period for running jobs (see ``ShutdownDeadline``).
    static let lastWritesAllowance: Duration = .seconds(10)

    func run() async throws {
        let logger = environment.logger
        let configuration = try workerOptions.configuration(environment)
        let inboxOrigins = environment.inboxOrigins()
        let inboxRequestsPerSecond = environment.int("notify.inbox.requests_per_second", default: 10, minimum: 1)
        try await DatabaseReachability.wait(for: url, logger: logger)
        let client = PostgresClient(configuration: url.clientConfiguration(applicationName: "notify-worker"))
        let producer = JobProducer(client: client, catalog: FunctionDirectory.all, logger: logger)
        let start = ContinuousClock.now
        let node = RuntimeNode(
            options: .init(
                lead: lead, collectQueueStats: httpPort != nil,
                election: workerOptions.election(environment, holder: configuration.workerID)),
            worker: configuration, catalog: catalog, tick: FunctionDirectory.all.entry("schedule-tick"), client: client,
            databaseURL: url, producer: producer, logger: logger,
            onFirstClaim: {
                logger.info(
                    "first job claimed", metadata: ["since_start_ms": "\((ContinuousClock.now - start).milliseconds)"])
            })
        var services: [any Service] = supportingServices + [node]
        if let httpPort {
            let operations = OperationsServer(
                client: client, registry: CommandEnvironment.metricsRegistry,
                isDraining: { node.worker.isDraining }, logger: logger)
            if let secrets {
                let api = await APIStack(
                    url: url, client: client, producer: producer, secrets: secrets, operations: operations,
                    publicURL: environment.url("notify.public.url"), inboxOrigins: inboxOrigins,
                    inboxRequestsPerSecond: inboxRequestsPerSecond,
                    logger: logger)
                // Shut down in reverse order: the hub first ends the live inbox streams, so the
                // server's graceful shutdown does not wait on them.
                services.append(api.server.application(host: httpHost, port: httpPort, logger: logger))
                services.append(api.inbox)
            } else {
                services.append(operations.application(host: httpHost, port: httpPort))
            }
        }
        // Trapped here, right before the group traps them too: a signal during the wait for the
        // database above still ends the process at once.
        let signals = await ShutdownDeadline.trap()
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [],
                logger: logger))
        onReady?()
        let afterStart = afterStart
        let deadline = ShutdownDeadline(
            limit: configuration.shutdownGracePeriod + Self.lastWritesAllowance, logger: logger)
        try await deadline.run(signals: signals) {
            // The pool outlives the services: work cancelled by a failing service still finishes its
            // statements (see `PostgresClient.whileRunning`).
            try await client.whileRunning {
                guard let afterStart else { return try await group.run() }
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await group.run() }
                    do {
                        try await afterStart()
                    } catch {
                        logger.error("start-up step failed; shutting down", metadata: ["error": "\(error)"])
                        await group.triggerGracefulShutdown()
                    }
                    try await tasks.waitForAll()
                }
            }
        }
    }
}

extension Duration {
    /// Whole milliseconds.
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
