import Foundation
import Logging
import NotifyFunctionKit
import NotifyRuntime
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The runtime benchmark behind `notify bench runtime`.
struct RuntimeBenchmark {
    let server: DatabaseURL
    let jobs: Int
    let samples: Int
    let notifySeconds: Int
    let worker: WorkerConfiguration
    let logger: Logger

    struct Percentiles: Codable {
        let p50: Double
        let p99: Double
        let max: Double
        let samples: Int

        init(_ values: [Double]) {
            let sorted = values.sorted()
            func at(_ q: Double) -> Double {
                sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * q).rounded(.up)) - 1)]
            }
            p50 = (at(0.50) * 1000).rounded() / 1000
            p99 = (at(0.99) * 1000).rounded() / 1000
            max = ((sorted.last ?? 0) * 1000).rounded() / 1000
            samples = sorted.count
        }
    }

    struct Report: Codable {
        var jobs = 0
        var jobsPerSecond = 0.0
        var drainSeconds = 0.0
        var enqueuePerSecond = 0.0
        var enqueueBatch = 1000
        var pickupMs = Percentiles([])
        var enqueueToStartMs = Percentiles([])
        var notifyCost: [String: Double] = [:]
        var settings: [String: String] = [:]
        var worker: [String: Int] = [:]
        var notes: [String] = []

        func json() -> String {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
        }

        func text() -> String {
            """
            work throughput:    \(Int(jobsPerSecond)) jobs/s (\(jobs) no-op jobs in \(String(format: "%.2f", drainSeconds)) s)
            enqueue throughput: \(Int(enqueuePerSecond)) jobs/s (batches of \(enqueueBatch))
            pickup latency:     p50 \(pickupMs.p50) ms, p99 \(pickupMs.p99) ms, max \(pickupMs.max) ms (\(pickupMs.samples) samples, from enqueue commit)
            NOTIFY cost:        \(notifyCost.sorted { $0.key < $1.key }.map { "\($0.key) \(Int($0.value))/s" }.joined(separator: ", "))
            settings:           \(settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
            """
        }
    }

    func run() async throws -> Report {
        try await BenchDatabase.with(server: server, logger: logger) { url in try await measure(url) }
    }

    private func measure(_ url: DatabaseURL) async throws -> Report {
        try await withPostgresClient(url, logger: logger, applicationName: "notify-bench") { client in
            try await Migrator(client: client, logger: logger).migrate()
            var report = Report()
            report.settings = try await settings(client)
            report.worker = [
                "concurrency": worker.concurrency, "claim_batch": worker.claimBatchSize,
                "reserved_critical": worker.reservedCriticalSlots, "completion_writers": worker.completionWriters,
            ]
            let probe = BenchProbe()
            var catalog = FunctionCatalog()
            catalog.register(BenchNoopFunction(probe: probe))
            try await catalog.publish(to: client, logger: logger)
            let producer = JobProducer(client: client, catalog: catalog, logger: logger)

            // 1. Enqueue throughput: batches of 1000 on one connection.
            let payloads = (0..<jobs).map { _ in JobRequest(function: "noop", payload: "{}") }
            let enqueueStart = ContinuousClock.now
            for start in stride(from: 0, to: jobs, by: report.enqueueBatch) {
                try await producer.enqueue(Array(payloads[start..<min(jobs, start + report.enqueueBatch)]))
            }
            let enqueueSeconds = (ContinuousClock.now - enqueueStart).seconds
            report.enqueuePerSecond = (Double(jobs) / enqueueSeconds).rounded()
            try await client.query("VACUUM ANALYZE notify.jobs", logger: logger)

            // 2. Work throughput and 3. pickup latency, with the runtime's worker.
            let node = Worker(
                configuration: worker, catalog: catalog, client: client, databaseURL: url, producer: producer,
                logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await node.run() }
                let drainStart = ContinuousClock.now
                await probe.waitForRuns(jobs)
                while try await client.query("SELECT EXISTS (SELECT 1 FROM notify.jobs)", logger: logger)
                    .collect().first?.decode(Bool.self) == true
                {
                    try await Task.sleep(for: .milliseconds(5))
                }
                report.drainSeconds = (ContinuousClock.now - drainStart).seconds
                report.jobs = jobs
                report.jobsPerSecond = (Double(jobs) / report.drainSeconds).rounded()

                // An idle queue: let vacuum clear the dead index entries the drain left behind,
                // as autovacuum does in production between bursts.
                try await client.query("VACUUM ANALYZE notify.jobs", logger: logger)
                try await Task.sleep(for: .milliseconds(300))
                var pickups: [Double] = []
                var fromSend: [Double] = []
                for sample in 0..<samples {
                    let sent = ContinuousClock.now
                    try await producer.enqueue(JobRequest(function: "noop", payload: #"{"sample":\#(sample)}"#))
                    let committed = ContinuousClock.now
                    let started = await probe.waitForStart(sample)
                    pickups.append(max(0, (started - committed).seconds * 1000))
                    fromSend.append((started - sent).seconds * 1000)
                    try await Task.sleep(for: .milliseconds(Int64.random(in: 3...8)))
                }
                report.pickupMs = Percentiles(pickups)
                report.enqueueToStartMs = Percentiles(fromSend)
                group.cancelAll()
            }

            // 4. The cost of NOTIFY: single-job enqueue transactions from 8 connections.
            if notifySeconds > 0 {
                report.notifyCost = try await notifyCost(url: url)
            }
            report.notes = [
                "pickup_ms: from the producer seeing its enqueue commit to the handler starting, idle worker, notification path",
                "enqueue_to_start_ms: the same from before the enqueue statement was sent",
                "claims commit with synchronous_commit=off on the claim connection (a lost claim only means the job was not taken); enqueues and completions commit with the server's setting",
            ]
            return report
        }
    }

    private func settings(_ client: PostgresClient) async throws -> [String: String] {
        try await BenchSupport.serverSettings(
            client,
            names: [
                "synchronous_commit", "fsync", "shared_buffers", "wal_level", "max_connections", "server_version",
                "full_page_writes", "max_wal_size", "checkpoint_timeout", "wal_init_zero", "backend_flush_after",
            ],
            logger: logger
        ).merging(BenchSupport.build) { fromServer, _ in fromServer }
    }

    /// Commits per second of single-job enqueues from 8 connections: NOTIFY on every commit, NOTIFY
    /// throttled as the runtime does, and no NOTIFY.
    private func notifyCost(url: DatabaseURL) async throws -> [String: Double] {
        var result: [String: Double] = [:]
        for mode in ["notify_every_commit", "notify_throttled", "no_notify"] {
            let committed = SharedCounter()
            let deadline = ContinuousClock.now + .seconds(notifySeconds)
            _ = try await withPostgresClient(url, logger: logger) { client in
                var catalog = FunctionCatalog()
                catalog.register(BenchNoopFunction(probe: BenchProbe()))
                let interval: Duration = mode == "notify_throttled" ? .milliseconds(2) : .zero
                let producer = JobProducer(client: client, catalog: catalog, notifyInterval: interval, logger: logger)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<8 {
                        group.addTask {
                            while ContinuousClock.now < deadline {
                                if mode == "no_notify" {
                                    try await client.query(
                                        "INSERT INTO notify.jobs (queue, payload, max_attempts) VALUES ('noop', '{}', 5)",
                                        logger: logger)
                                } else {
                                    try await producer.enqueue(JobRequest(function: "noop", payload: "{}"))
                                }
                                committed.value.add(1, ordering: .relaxed)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                try await client.query("TRUNCATE notify.jobs", logger: logger)
            }
            result[mode + "_per_second"] = (Double(committed.value.load(ordering: .relaxed)) / Double(notifySeconds))
                .rounded()
        }
        return result
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Observes the benchmark's no-op function: how many ran, and when a given sample started.
final class BenchProbe: Sendable {
    private struct State {
        var runs = 0
        var runWaiter: (Int, CheckedContinuation<Void, Never>)?
        var starts: [Int: ContinuousClock.Instant] = [:]
        var startWaiters: [Int: CheckedContinuation<ContinuousClock.Instant, Never>] = [:]
    }

    private let state = Mutex(State())

    func ran(sample: Int?) {
        let now = ContinuousClock.now
        let (runWaiter, startWaiter) = state.withLock { state in
            state.runs += 1
            var runWaiter: CheckedContinuation<Void, Never>?
            if let (target, waiter) = state.runWaiter, state.runs >= target {
                runWaiter = waiter
                state.runWaiter = nil
            }
            var startWaiter: CheckedContinuation<ContinuousClock.Instant, Never>?
            if let sample {
                if let waiter = state.startWaiters.removeValue(forKey: sample) {
                    startWaiter = waiter
                } else {
                    state.starts[sample] = now
                }
            }
            return (runWaiter, startWaiter)
        }
        runWaiter?.resume()
        startWaiter?.resume(returning: now)
    }

    func waitForRuns(_ target: Int) async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                if state.runs >= target { return true }
                state.runWaiter = (target, continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    func waitForStart(_ sample: Int) async -> ContinuousClock.Instant {
        await withCheckedContinuation { continuation in
            let started = state.withLock { state -> ContinuousClock.Instant? in
                if let started = state.starts.removeValue(forKey: sample) { return started }
                state.startWaiters[sample] = continuation
                return nil
            }
            if let started { continuation.resume(returning: started) }
        }
    }
}

/// The benchmark's no-op function: does nothing but tell the probe it ran.
struct BenchNoopFunction: NotifyFunction {
    struct Input: Codable, Sendable {
        var sample: Int?
    }

    static let name: FunctionName = "noop"
    let probe: BenchProbe

    func handle(_ input: Input, context: FunctionContext) async throws -> FunctionOutput {
        probe.ran(sample: input.sample)
        return .none
    }
}

/// A counter shared by concurrent tasks.
final class SharedCounter: Sendable {
    let value = Atomic<Int>(0)
}
