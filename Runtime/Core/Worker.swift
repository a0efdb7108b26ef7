import Foundation
import Logging
import NIOCore
import NIOPosix
import NotifyFunctionKit
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Claims and runs jobs of some functions: the long-running piece of `notify work` and `notify dev`.
///
/// It holds two dedicated connections besides the shared pool: one that LISTENs for wake-ups and
/// one that claims (with `synchronous_commit = off`: a claim lost in a crash only means the job
/// was never taken, so its durability buys nothing and costs an fsync per claim). Outcomes are
/// written through the pool by the ``CompletionBatcher``.
///
/// The critical lane is kept apart end to end, not only by reserved slots: its jobs run at high
/// task priority (bulk jobs at low), read and write through a small pool of their own, and their
/// outcomes are written by their own batcher, so a one-time passcode never queues for a
/// connection, a completion write or a thread behind a campaign's jobs.
///
/// On graceful shutdown (SIGTERM) it stops claiming, lets in-flight jobs finish within
/// ``WorkerConfiguration/shutdownGracePeriod``, cancels and releases the rest (claimable at once),
/// writes every outcome, and returns.
public final class Worker: Service, Sendable {
    let configuration: WorkerConfiguration
    let catalog: FunctionCatalog
    let client: PostgresClient
    let databaseURL: DatabaseURL
    let logger: Logger
    let queues: [String]
    let producer: JobProducer
    let metrics: RuntimeMetrics
    let inFlight: InFlightJobs
    let doorbell = Doorbell()
    let batcher: CompletionBatcher
    let criticalClient: PostgresClient
    let criticalBatcher: CompletionBatcher
    let store: JobStore
    let handoff = ChainHandoff()
    let governor: BulkGovernor
    /// Announces this worker's bulk cuts to the others (see ``BulkGovernor``).
    let pressure: PressureSignal
    private let draining = Atomic<Bool>(false)
    private let claimsStarted = Atomic<Int>(0)
    private let onFirstClaim: (@Sendable () -> Void)?

    /// Creates a worker for every function in `catalog`.
    public init(
        configuration: WorkerConfiguration, catalog: FunctionCatalog, client: PostgresClient, databaseURL: DatabaseURL,
        producer: JobProducer, logger: Logger, onFirstClaim: (@Sendable () -> Void)? = nil
    ) {
        var logger = logger
        logger[metadataKey: LogKeys.workerID] = "\(configuration.workerID)"
        self.configuration = configuration
        self.catalog = catalog
        self.client = client
        self.databaseURL = databaseURL
        self.logger = logger
        self.queues = catalog.names.map(\.rawValue).sorted()
        self.producer = producer
        self.metrics = RuntimeMetrics(functions: queues)
        let inFlight = InFlightJobs(capacity: configuration.concurrency)
        self.inFlight = inFlight
        self.store = JobStore(logger: logger)
        let doorbell = self.doorbell
        let metrics = self.metrics
        let pressure = PressureSignal()
        self.pressure = pressure
        let governor = BulkGovernor(
            maximum: configuration.bulkConcurrency, target: configuration.criticalCompletionTarget,
            onCut: { pressure.raise() })
        self.governor = governor
        let onWritten: @Sendable ([JobCompletion]) -> Void = { written in
            inFlight.remove(written.lazy.map(\.job))
            metrics.inFlight.record(inFlight.count)
            doorbell.ring()
        }
        let handoff = self.handoff
        let served = Set(queues)
        let chaining: @Sendable (Int) -> ChainedClaim? = { freeing in
            guard configuration.chainSuccessors, !handoff.isClosed else { return nil }
            // The completed jobs' slots pass to their successors: a worker whose slots are all
            // taken still carries its notifications on to their next step rather than leave them
            // queued behind new work (and pay a claim for each). Slots reserved for critical jobs
            // a claim has not seen yet stay free.
            let budget = inFlight.freeSlots + freeing - handoff.pendingCount - configuration.criticalReserve
            guard budget > 0 else { return nil }
            return ChainedClaim(
                workerID: configuration.workerID, leaseSeconds: configuration.lease.inSeconds, queues: served,
                maxLane: configuration.maxLane, minLane: configuration.minLane, budget: budget)
        }
        let onChained: @Sendable ([ClaimedJob]) -> Void = { jobs in
            handoff.hand(jobs)
            doorbell.ring()
        }
        let batcher = CompletionBatcher(
            client: client, producer: producer, metrics: metrics, writers: configuration.completionWriters,
            logger: logger, onWritten: onWritten, chaining: chaining, onChained: onChained)
        self.batcher = batcher
        var critical = databaseURL.clientConfiguration(applicationName: "notify-critical")
        critical.options.maximumConnections = configuration.criticalPoolSize
        if configuration.criticalGenericPlans {
            critical.options.additionalStartupParameters.append(("plan_cache_mode", "force_generic_plan"))
        }
        self.criticalClient = PostgresClient(configuration: critical, eventLoopGroup: Self.criticalEventLoopGroup)
        let criticalBatcher = CompletionBatcher(
            client: criticalClient, producer: producer, metrics: metrics, writers: 1, logger: logger,
            onWritten: onWritten, chaining: chaining, onChained: onChained,
            onWriteDuration: { governor.observeCritical($0) })
        self.criticalBatcher = criticalBatcher
        handoff.releaseRefused { jobs in
            for job in jobs {
                (job.lane == .critical ? criticalBatcher : batcher).submit(JobCompletion(job: job, outcome: .released))
            }
        }
        self.onFirstClaim = onFirstClaim
    }

    /// The event loop of the critical pool's connections: a thread of its own (while dedicated
    /// executors are on, see ``DedicatedExecutor``), so that a one-time passcode's database round
    /// trips never wait behind a campaign's traffic (its database connections and provider
    /// requests) on the shared event loops. One thread for the process's lifetime, shared by its
    /// workers.
    static let criticalEventLoopGroup: any EventLoopGroup =
        DedicatedExecutor.isEnabled
        ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : PostgresClient.defaultEventLoopGroup

    /// Runs until cancelled or gracefully shut down.
    public func run() async throws {
        logger.info(
            "worker starting",
            metadata: [
                "functions": "\(queues.joined(separator: ","))", "concurrency": "\(configuration.concurrency)",
            ])
        // The critical pool must outlive the drain: PostgresClient.run() ends at the first sign of
        // a graceful shutdown, which would fail the critical jobs still finishing and leave their
        // outcomes unwritable. `whileRunning` runs it apart from the shutdown and the cancellation
        // and stops it once every outcome is written.
        try await criticalClient.whileRunning { await runServices() }
        logger.info("worker stopped")
    }

    /// The claim loop, the handlers and the background services, until the drain is over.
    private func runServices() async {
        await withDiscardingTaskGroup { background in
            let workerID = configuration.workerID
            let governor = self.governor
            let listener = WakeupListener(
                databaseURL: databaseURL, queues: Set(queues), doorbell: doorbell, logger: logger,
                onPressure: { sender in
                    if sender != workerID { governor.observeRemoteCut() }
                })
            // The claim loop, its wake-ups and the critical lane run on the critical executor, so
            // a one-time passcode never waits behind queued campaign work (``DedicatedExecutor``).
            let critical = DedicatedExecutor.critical
            background.addTask(executorPreference: critical) { await listener.run() }
            background.addTask(executorPreference: globalConcurrentExecutor) { await self.batcher.run() }
            background.addTask(executorPreference: critical) { await self.criticalBatcher.run() }
            background.addTask(executorPreference: globalConcurrentExecutor) { await self.maintainLeases() }
            background.addTask(executorPreference: critical) { [criticalClient, pressure, logger] in
                await pressure.run(client: criticalClient, workerID: workerID, logger: logger)
            }

            await withGracefulShutdownHandler {
                await withTaskExecutorPreference(critical) { await self.claimAndRun() }
            } onGracefulShutdown: {
                self.draining.store(true, ordering: .relaxed)
                self.handoff.close()
                self.doorbell.ring()
            }
            await batcher.waitUntilDrained()
            await criticalBatcher.waitUntilDrained()
            background.cancelAll()
        }
    }

    /// Whether the worker has stopped claiming.
    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    // MARK: Claiming

    private func claimAndRun() async {
        await withDiscardingTaskGroup { handlers in
            await claimLoop(handlers: &handlers)
            // Draining: give in-flight jobs the grace period, then cancel them (they are released).
            let grace = configuration.shutdownGracePeriod
            await withTaskGroup(of: Void.self) { waiter in
                waiter.addTask { await self.inFlight.waitUntilEmpty() }
                waiter.addTask { try? await Task.sleep(for: grace) }
                await waiter.next()
                waiter.cancelAll()
                if self.inFlight.count > 0 {
                    self.logger.warning(
                        "shutdown grace period over; releasing unfinished jobs",
                        metadata: ["jobs": "\(self.inFlight.count)"])
                    self.inFlight.cancelAll()
                }
                // Cancelled jobs are released once their outcome is written; do not wait forever
                // for a function that ignores cancellation: its lease will expire instead.
                if self.inFlight.count > 0 {
                    await withTaskGroup(of: Void.self) { last in
                        last.addTask { await self.inFlight.waitUntilEmpty() }
                        last.addTask { try? await Task.sleep(for: .seconds(5)) }
                        await last.next()
                        last.cancelAll()
                    }
                }
            }
        }
    }

    private func claimLoop(handlers: inout DiscardingTaskGroup) async {
        var connection: PostgresConnection?
        var failures = 0
        // Set after a full claim that reached past the critical lane: no critical job was waiting
        // then, and one enqueued since rings the doorbell (critical wake-ups are never throttled),
        // so the reserved slots need no claim of their own until the doorbell rings.
        var criticalLaneDrained = false
        while !isDraining && !Task.isCancelled {
            let chained = handoff.take()
            if !chained.isEmpty { start(chained, in: &handlers) }
            do {
                if connection == nil || connection!.isClosed {
                    connection = try await openClaimConnection()
                    failures = 0
                }
                let free = inFlight.freeSlots
                let reserved = configuration.criticalReserve
                let want: Int
                var maxLane: Lane
                let bulkRoom = governor.allowance() - inFlight.bulkCount
                if free > reserved {
                    want = min(configuration.claimBatchSize, free - reserved)
                    // Bulk jobs within the cap: all lanes at once when the cap leaves room for a
                    // whole claim, else the higher lanes first and the bulk room after them.
                    maxLane = min(bulkRoom >= want ? .bulk : .transactional, configuration.maxLane)
                } else if free > 0 && !criticalLaneDrained && configuration.minLane == .critical {
                    want = min(configuration.claimBatchSize, free)
                    maxLane = .critical
                } else {
                    criticalLaneDrained = false
                    await doorbell.wait(timeout: configuration.pollInterval)
                    continue
                }
                let started = ContinuousClock.now
                var jobs = try await store.claim(
                    on: connection!, queues: queues, limit: want, minLane: configuration.minLane, maxLane: maxLane,
                    workerID: configuration.workerID, lease: configuration.lease)
                if maxLane == .transactional && jobs.count < want && bulkRoom > 0 && configuration.maxLane == .bulk {
                    maxLane = .bulk
                    jobs += try await store.claim(
                        on: connection!, queues: queues, limit: min(want - jobs.count, bulkRoom),
                        minLane: configuration.minLane, maxLane: .bulk, workerID: configuration.workerID,
                        lease: configuration.lease)
                }
                metrics.claimDuration.record(since: started)
                if !jobs.isEmpty { start(jobs, in: &handlers) }
                if jobs.count == want {
                    criticalLaneDrained = maxLane > .critical && jobs.last!.lane > .critical
                    continue
                }
                criticalLaneDrained = false
                if jobs.isEmpty && maxLane == .bulk {
                    let wait = try await timeUntilNextJob(on: connection!)
                    await doorbell.wait(timeout: wait)
                } else if governor.isThrottling() {
                    // Bulk work held back for the critical lane: look again as it recovers.
                    await doorbell.wait(timeout: min(configuration.pollInterval, .milliseconds(100)))
                } else {
                    await doorbell.wait(timeout: configuration.pollInterval)
                }
            } catch {
                if isDraining || Task.isCancelled { break }
                failures += 1
                if let open = connection { try? await open.close() }
                connection = nil
                logger.warning(
                    "claim failed; reconnecting",
                    metadata: ["error": "\(LogSafeError.describe(error))", "failures": "\(failures)"])
                try? await Task.sleep(for: .milliseconds(min(2000, 50 << min(failures, 6))))
            }
        }
        // Jobs chained after this point are released by the handoff, not started.
        handoff.close()
        if let connection { try? await connection.close() }
    }

    private func timeUntilNextJob(on connection: PostgresConnection) async throws -> Duration {
        guard
            let next = try await store.nextRunAt(
                on: connection, queues: queues, lanes: configuration.minLane...configuration.maxLane)
        else {
            return configuration.pollInterval
        }
        let seconds = next.timeIntervalSinceNow
        if seconds <= 0 { return .milliseconds(1) }
        return min(configuration.pollInterval, .milliseconds(Int64(seconds * 1000) + 1))
    }

    /// The claim connection's settings: commits without waiting for the WAL flush (a claim lost
    /// in a crash is a job still ready), and the plans described in `openClaimConnection()`.
    static let claimSessionSettings = """
        SELECT set_config('synchronous_commit', 'off', false),
               set_config('plan_cache_mode', 'force_generic_plan', false),
               set_config('enable_seqscan', 'off', false)
        """

    private func openClaimConnection() async throws -> PostgresConnection {
        let connection = try await DedicatedConnection.connect(databaseURL, name: "notify-claim", id: 2, logger: logger)
        do {
            // The claim is prepared and planned once: the picked ids drive an index lookup
            // (`id = ANY(ARRAY(…))`), whatever LIMIT is bound. A plan made while the table is
            // empty (a fresh start) would scan it, and a scan of a million-job backlog takes
            // hundreds of milliseconds, so this connection uses indexes whenever there is one:
            // every statement it runs is an index lookup. Planned per execution instead, the
            // claim spent more time planning than running.
            _ = try await connection.query(
                PostgresQuery(unsafeSQL: Self.claimSessionSettings), logger: logger
            ).collect()
        } catch {
            try? await connection.close()
            throw error
        }
        return connection
    }

    private func start(_ jobs: [ClaimedJob], in handlers: inout DiscardingTaskGroup) {
        inFlight.add(jobs) { job in
            self.catalog.entry(named: job.queue)?.settings.timeout ?? FunctionSettings.default.timeout
        }
        metrics.inFlight.record(inFlight.count)
        if claimsStarted.add(1, ordering: .relaxed).oldValue == 0 { onFirstClaim?() }
        var claimedPerFunction: [String: Int] = [:]
        for job in jobs {
            claimedPerFunction[job.queue, default: 0] += 1
            let executor: any TaskExecutor =
                job.lane == .critical
                ? DedicatedExecutor.critical ?? globalConcurrentExecutor : globalConcurrentExecutor
            handlers.addTask(executorPreference: executor, priority: Self.priority(of: job.lane)) {
                await self.run(job)
            }
        }
        for (function, count) in claimedPerFunction { metrics.function(function).claimed.increment(by: Int64(count)) }
    }

    /// The task priority of a lane's jobs: critical jobs are raised; the others keep the worker's
    /// own priority (lowering bulk work starved it on Linux, where the cooperative threads do not
    /// yield to priorities).
    static func priority(of lane: Lane) -> TaskPriority? {
        lane == .critical ? .high : nil
    }

    // MARK: Leases

    /// Extends leases of long jobs and cancels jobs past their time limit.
    private func maintainLeases() async {
        let tick = min(configuration.heartbeatInterval, .milliseconds(250))
        var lastHeartbeat = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: tick)
            inFlight.cancelOverdue()
            guard ContinuousClock.now - lastHeartbeat >= configuration.heartbeatInterval else { continue }
            lastHeartbeat = .now
            let long = inFlight.longRunning(olderThan: configuration.heartbeatInterval)
            guard !long.isEmpty else { continue }
            do {
                _ = try await client.withConnection { connection in
                    try await store.heartbeat(on: connection, jobs: long, lease: configuration.lease)
                }
            } catch {
                logger.warning("heartbeat failed", metadata: ["error": "\(LogSafeError.describe(error))"])
            }
        }
    }
}
