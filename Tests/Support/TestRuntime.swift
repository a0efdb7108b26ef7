import Foundation
import Logging
import NotifyFunctionKit
import NotifyRuntime
import PostgresNIO
import ServiceLifecycle

/// A test's own database with a running client, a producer and helpers to run workers in-process.
public struct TestRuntime: Sendable {
    public let url: DatabaseURL
    public let client: PostgresClient
    public let catalog: FunctionCatalog
    public let producer: JobProducer
    public let logger: Logger

    /// Runs `body` against a fresh database with the given functions published.
    public static func with<T: Sendable>(
        catalog: FunctionCatalog, _ body: @Sendable (TestRuntime) async throws -> T
    ) async throws -> T {
        let url = try await TestCluster.freshDatabase()
        return try await TestCluster.withClient(url) { client in
            try await catalog.publish(to: client, logger: TestCluster.logger)
            let runtime = TestRuntime(
                url: url, client: client, catalog: catalog,
                producer: JobProducer(client: client, catalog: catalog, logger: TestCluster.logger),
                logger: TestCluster.logger)
            return try await body(runtime)
        }
    }

    /// Starts a worker in this process; stop it with ``RunningService/shutdown()``.
    public func startWorker(
        _ configuration: WorkerConfiguration, catalog: FunctionCatalog? = nil
    ) -> RunningService<Worker> {
        let worker = Worker(
            configuration: configuration, catalog: catalog ?? self.catalog, client: client, databaseURL: url,
            producer: producer, logger: logger)
        return RunningService(worker, logger: logger)
    }

    /// Runs a query and returns its single integer.
    public func count(_ query: PostgresQuery) async throws -> Int {
        let rows = try await client.query(query, logger: logger).collect()
        return try rows.first?.decode(Int.self) ?? 0
    }

    /// Runs a query and returns its rows.
    public func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await client.query(query, logger: logger).collect()
    }
}

/// A service running in its own ServiceGroup, so a test can shut it down gracefully.
public final class RunningService<S: Service>: Sendable {
    public let service: S
    let group: ServiceGroup
    let task: Task<Void, any Error>

    init(_ service: S, logger: Logger) {
        self.service = service
        let group = ServiceGroup(services: [service], logger: logger)
        self.group = group
        // Unstructured so the test body can act while the service runs; `shutdown()` joins it.
        self.task = Task { try await group.run() }
    }

    /// Triggers graceful shutdown and waits for the service to return.
    public func shutdown() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }

    /// Cancels the service (no grace) and waits for it.
    public func cancel() async {
        task.cancel()
        _ = try? await task.value
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
public func eventually(
    timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(20),
    _ condition: @Sendable () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}

extension TestRuntime {
    /// Starts a leader election in this process with a fast tick.
    public func startLeader(
        holder: String = "test-leader", interval: Duration = .milliseconds(100), tick: FunctionCatalog.Entry
    ) -> RunningService<LeaderElection> {
        let election = LeaderElection(
            configuration: .init(retryInterval: interval, tickInterval: interval, holder: holder), databaseURL: url,
            client: client, tick: tick, logger: logger)
        return RunningService(election, logger: logger)
    }
}
