import Crypto
import Foundation
import Logging
import NotifyAPI
import NotifyHTTP
import NotifyModel
import NotifyRuntime
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The engine a pipeline benchmark drives: the HTTP API on a free port, the inbox hub, a worker
/// for `catalog` and the scheduler leader, with any supporting services (the provider sandbox), in one ServiceGroup
/// that shuts down gracefully when the measurement ends.
struct BenchStack {
    let url: DatabaseURL
    let client: PostgresClient
    let producer: JobProducer
    let catalog: FunctionCatalog
    let cipher: ContactCipher
    let hasher: LookupHasher
    let worker: WorkerConfiguration
    var supportingServices: [any Service] = []
    let logger: Logger

    /// Runs the services, calls `body` with the API's base URL, then shuts them down.
    ///
    /// The API has a connection pool of its own, as it would in its own process (`notify serve`):
    /// requests never wait for a connection behind the worker's jobs.
    ///
    /// Interrupted (``BenchInterruption``), it cancels `body` and shuts the services down the same
    /// way, gracefully.
    func run<T: Sendable>(_ body: @escaping @Sendable (String) async throws -> T) async throws -> T {
        let hub = InboxHub(databaseURL: url, logger: logger)
        let apiClient = PostgresClient(configuration: url.clientConfiguration(applicationName: "notify-api"))
        let dependencies = APIDependencies(
            client: apiClient, producer: producer, cipher: cipher, hasher: hasher,
            tokens: await AccessTokenIssuer(signingKey: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }),
            inbox: hub, logger: logger)
        let operations = OperationsServer(
            client: client, registry: CommandEnvironment.metricsRegistry, isDraining: { false }, logger: logger)
        let port = Mutex<Int?>(nil)
        let app = APIServer(dependencies: dependencies, operations: operations).application(
            host: "127.0.0.1", port: 0, logger: logger, onServerRunning: { bound in port.withLock { $0 = bound } })
        let node = Worker(
            configuration: worker, catalog: catalog, client: client, databaseURL: url, producer: producer,
            logger: logger)
        // The scheduler leader, as every deployment has one: besides its ticks it keeps the young
        // tables' statistics current (``StatisticsKeeper``), which the prepared plans depend on.
        var leader: [any Service] = []
        if let tick = FunctionDirectory.all.entry("schedule-tick") {
            leader.append(
                LeaderElection(
                    configuration: .init(holder: worker.workerID), databaseURL: url, client: client, tick: tick,
                    logger: logger))
        }
        let services = ServiceGroup(
            configuration: .init(
                services: (supportingServices + [node] + leader + [app, hub]).map { .init(service: $0) },
                logger: logger)
        )
        // The API's pool outlives the services (see `PostgresClient.whileRunning`).
        return try await apiClient.whileRunning {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await services.run() }
                while port.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
                let base = "http://127.0.0.1:\(port.withLock { $0! })"
                let result = await Self.untilInterrupted { try await body(base) }
                await services.triggerGracefulShutdown()
                try await group.waitForAll()
                return try result.get()
            }
        }
    }

    /// `body`'s result; when the benchmark is interrupted first, `body` is cancelled and the
    /// result is a `CancellationError`.
    static func untilInterrupted<T: Sendable>(
        _ body: @escaping @Sendable () async throws -> T
    ) async -> Result<T, any Error> {
        let measured: @Sendable () async -> Result<T, any Error> = {
            do { return .success(try await body()) } catch { return .failure(error) }
        }
        guard let interruption = BenchInterruption.signal else { return await measured() }
        return await interruption.listening {
            await withTaskGroup(of: Result<T, any Error>?.self) { group in
                group.addTask { await measured() }
                group.addTask {
                    await interruption.wait()
                    return nil
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first ?? .failure(CancellationError())
            }
        }
    }
}
