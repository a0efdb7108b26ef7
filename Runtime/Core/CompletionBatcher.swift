import Foundation
import Logging
import Metrics
import NotifyFunctionKit
import PostgresNIO
import Synchronization

/// Writes job outcomes in batches.
///
/// Handlers hand their outcome over and return; writers take everything pending and write it in a
/// few statements: one DELETE for plain successes, one transaction for successes with output
/// (the output commits only for jobs whose fence still matched), one UPDATE for retries, one
/// statement for dead letters, one for releases. While a write is in flight the next batch
/// accumulates, so batches grow with load and latency stays low when idle. A failed write keeps
/// its outcomes and tries again: nothing a handler finished is lost while the database restarts.
final class CompletionBatcher: Sendable {
    private struct State {
        var pending: [JobCompletion] = []
        var writing = 0
        var drainWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())
    private let doorbells: [Doorbell]
    private let client: PostgresClient
    private let store: JobStore
    private let producer: JobProducer
    private let metrics: RuntimeMetrics
    private let logger: Logger
    private let onWritten: @Sendable ([JobCompletion]) -> Void
    private let chaining: @Sendable (_ freeing: Int) -> ChainedClaim?
    private let onChained: @Sendable ([ClaimedJob]) -> Void
    private let onWriteDuration: @Sendable (Duration) -> Void
    let maxBatch: Int

    /// `chaining` says which successors the worker takes as they are enqueued (nil: none), given
    /// how many jobs' completions the same transaction writes (their slots go to the successors),
    /// and `onChained` receives them once their transaction has committed (see ``ChainedClaim``).
    /// `onWriteDuration` learns how long each successful batch write took.
    init(
        client: PostgresClient, producer: JobProducer, metrics: RuntimeMetrics, writers: Int, maxBatch: Int = 1000,
        logger: Logger, onWritten: @escaping @Sendable ([JobCompletion]) -> Void,
        chaining: @escaping @Sendable (_ freeing: Int) -> ChainedClaim? = { _ in nil },
        onChained: @escaping @Sendable ([ClaimedJob]) -> Void = { _ in },
        onWriteDuration: @escaping @Sendable (Duration) -> Void = { _ in }
    ) {
        self.onWriteDuration = onWriteDuration
        self.chaining = chaining
        self.onChained = onChained
        self.client = client
        self.store = JobStore(logger: logger)
        self.producer = producer
        self.metrics = metrics
        self.logger = logger
        self.onWritten = onWritten
        self.maxBatch = maxBatch
        self.doorbells = (0..<max(1, writers)).map { _ in Doorbell() }
    }

    /// Hands an outcome over; returns at once.
    func submit(_ completion: JobCompletion) {
        state.withLock { $0.pending.append(completion) }
        for doorbell in doorbells { doorbell.ring() }
    }

    /// Runs the writers until cancelled, then writes what is pending once more.
    func run() async {
        await withDiscardingTaskGroup { group in
            for doorbell in doorbells {
                group.addTask { await self.writerLoop(doorbell) }
            }
        }
    }

    /// Returns when nothing is pending or being written, or when the waiting task is cancelled.
    func waitUntilDrained() async {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = state.withLock { state -> Bool in
                    if (state.pending.isEmpty && state.writing == 0) || Task.isCancelled { return true }
                    state.drainWaiters[id] = continuation
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.drainWaiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }

    private func writerLoop(_ doorbell: Doorbell) async {
        var failures = 0
        while true {
            let batch = state.withLock { state -> [JobCompletion] in
                let count = min(state.pending.count, maxBatch)
                guard count > 0 else { return [] }
                let batch = Array(state.pending.prefix(count))
                state.pending.removeFirst(count)
                state.writing += 1
                return batch
            }
            if batch.isEmpty {
                resumeDrainWaitersIfIdle()
                if Task.isCancelled { return }
                await doorbell.wait(timeout: .seconds(1))
                continue
            }
            do {
                let started = ContinuousClock.now
                try await write(batch)
                onWriteDuration(.now - started)
                failures = 0
                state.withLock { $0.writing -= 1 }
                onWritten(batch)
            } catch {
                failures += 1
                state.withLock { state in
                    state.pending.insert(contentsOf: batch, at: 0)
                    state.writing -= 1
                }
                if Task.isCancelled {
                    // Cancelled without a graceful shutdown: what is unwritten runs again when its
                    // lease expires (at-least-once), so stop here rather than spin.
                    logger.error(
                        "cancelled with job outcomes unwritten; those jobs will run again after their leases expire",
                        metadata: ["jobs": "\(batch.count)"])
                    return
                }
                logger.warning(
                    "could not write job outcomes; will try again",
                    metadata: ["jobs": "\(batch.count)", "error": "\(LogSafeError.describe(error))"])
                try? await Task.sleep(for: .milliseconds(min(2000, 50 << min(failures, 6))))
            }
        }
    }

    private func resumeDrainWaitersIfIdle() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard state.pending.isEmpty && state.writing == 0 else { return [] }
            defer { state.drainWaiters = [:] }
            return Array(state.drainWaiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    private func write(_ batch: [JobCompletion]) async throws {
        var plain: [ClaimedJob] = []
        var plainWaitsForDisk = false
        var withOutput: [(ClaimedJob, FunctionOutput)] = []
        var waitsForDisk = false
        var retries: [(ClaimedJob, Duration, Bool, String?)] = []
        var dead: [(ClaimedJob, String)] = []
        var released: [ClaimedJob] = []
        for completion in batch {
            switch completion.outcome {
            case .succeeded(let output, let commit) where output.isEmpty:
                plain.append(completion.job)
                if commit == .durable { plainWaitsForDisk = true }
            case .succeeded(let output, let commit):
                withOutput.append((completion.job, output))
                if commit == .durable { waitsForDisk = true }
            case .retry(let delay, let refund, let error): retries.append((completion.job, delay, refund, error))
            case .dead(let error): dead.append((completion.job, error))
            case .released: released.append(completion.job)
            }
        }
        try await client.withConnection { connection in
            if !plain.isEmpty {
                let deleted = try await store.deleteCompleted(
                    on: connection, jobs: plain, waitingForDisk: plainWaitsForDisk)
                record(plain, applied: deleted) { $0.completed }
            }
            if !withOutput.isEmpty {
                try await writeOutputs(withOutput, waitingForDisk: waitsForDisk, on: connection)
            }
            if !retries.isEmpty {
                let jobs = retries.map(\.0)
                let updated = try await store.retry(
                    on: connection, jobs: jobs,
                    delaysMilliseconds: retries.map { RetryPolicy.milliseconds($0.1) },
                    refunds: retries.map { $0.2 ? 1 : 0 }, errors: retries.map { $0.3 ?? "" })
                for (job, _, refund, _) in retries {
                    let functionMetrics = metrics.function(job.queue)
                    if !updated.contains(job.id) {
                        functionMetrics.stale.increment()
                    } else if refund {
                        functionMetrics.snoozed.increment()
                    } else {
                        functionMetrics.retried.increment()
                    }
                }
            }
            if !dead.isEmpty {
                let moved = try await store.bury(on: connection, jobs: dead.map(\.0), errors: dead.map(\.1))
                record(dead.map(\.0), applied: moved) { $0.dead }
            }
            if !released.isEmpty {
                _ = try await store.release(on: connection, jobs: released)
            }
        }
    }

    /// Deletes the jobs and commits their outputs and successors in one transaction, which waits
    /// for the disk unless none of them needs it (see ``NotifyFunctionKit/CompletionCommit``). A
    /// transaction that waits for the disk wakes the successors' workers after its commit, not
    /// with it (see ``PendingWakeup``).
    private func writeOutputs(
        _ items: [(ClaimedJob, FunctionOutput)], waitingForDisk: Bool, on connection: PostgresConnection
    ) async throws {
        let (deleted, chained, wakeup) = try await connection.withTransaction(logger: logger) { connection in
            let deleted = try await store.deleteCompleted(
                on: connection, jobs: items.map(\.0), waitingForDisk: waitingForDisk)
            let kept = items.filter { deleted.contains($0.0.id) }.map(\.1)
            let next = kept.flatMap(\.next)
            try await FunctionOutput.runWrites(of: kept, on: connection, logger: logger)
            guard !next.isEmpty else { return (deleted, [ClaimedJob](), PendingWakeup.none) }
            let enqueued = try await producer.enqueue(
                next, on: connection, chaining: chaining(deleted.count), wakingAfterCommit: waitingForDisk)
            return (deleted, enqueued.chained, enqueued.wakeup)
        }
        await wakeup.send(on: connection, logger: logger)
        record(items.map(\.0), applied: deleted) { $0.completed }
        if !chained.isEmpty { onChained(chained) }
    }

    private func record(
        _ jobs: [ClaimedJob], applied: Set<Int64>, counter: (RuntimeMetrics.PerFunction) -> Counter
    ) {
        var appliedPerFunction: [String: Int64] = [:]
        defer {
            for (function, count) in appliedPerFunction { counter(metrics.function(function)).increment(by: count) }
        }
        for job in jobs {
            if applied.contains(job.id) {
                appliedPerFunction[job.queue, default: 0] += 1
            } else {
                metrics.function(job.queue).stale.increment()
                logger.warning(
                    "lease lost before completion; this attempt's output was discarded",
                    metadata: [LogKeys.jobID: "\(job.id)", LogKeys.function: "\(job.queue)"])
            }
        }
    }
}
