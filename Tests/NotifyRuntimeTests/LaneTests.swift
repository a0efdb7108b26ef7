import Foundation
import NotifyFunctionKit
import NotifyRuntime
import NotifyTestSupport
import PostgresNIO
import Testing

@Suite("Wake-ups and priority lanes", .timeLimit(.minutes(3)))
struct LaneTests {
    /// Behaviour, not a performance figure (`notify bench runtime` measures pickup latency): the
    /// wake-up, not the 10 s poll, starts the job. Bounds are loose so a loaded CI machine passes.
    @Test("with the fallback poll at 10 s, a job enqueued for an idle worker starts well before the poll")
    func notificationWakesAnIdleWorker() async throws {
        let log = StartLog()
        try await TestRuntime.with(catalog: catalog(log)) { runtime in
            let worker = runtime.startWorker(testWorker(poll: .seconds(10)))
            try await Task.sleep(for: .milliseconds(500))  // let it claim nothing and go idle
            var latencies: [Duration] = []
            for sample in 0..<20 {
                try await Task.sleep(for: .milliseconds(20))
                try await runtime.producer.enqueue(try .recording("wake-\(sample)"))
                let committed = ContinuousClock.now
                #expect(
                    await eventually(timeout: .seconds(2), every: .milliseconds(1)) { log.count("wake-\(sample)") == 1 }
                )
                if let started = log.first("wake-\(sample)") { latencies.append(started - committed) }
            }
            try await worker.shutdown()
            #expect(latencies.count == 20)
            #expect(latencies.sorted()[latencies.count / 2] < .milliseconds(500), "latencies: \(latencies)")
            #expect(latencies.max()! < .seconds(2), "latencies: \(latencies)")
        }
    }

    @Test("with the notification lost, the job still starts within the poll interval")
    func pollFindsWorkWithoutNotification() async throws {
        let log = StartLog()
        try await TestRuntime.with(catalog: catalog(log)) { runtime in
            let worker = runtime.startWorker(testWorker(poll: .seconds(1)))
            try await Task.sleep(for: .milliseconds(300))
            // A raw insert: no pg_notify at all.
            try await runtime.client.query(
                #"INSERT INTO notify.jobs (queue, payload) VALUES ('recording', '{"key":"silent","sleepMilliseconds":0}')"#,
                logger: runtime.logger)
            let inserted = ContinuousClock.now
            #expect(await eventually(timeout: .seconds(3), every: .milliseconds(5)) { log.count("silent") == 1 })
            let started = try #require(log.first("silent"))
            #expect(started - inserted < .milliseconds(1200))
            try await worker.shutdown()
        }
    }

    /// Behaviour, not a figure: behind the backlog a job would wait minutes; a critical one starts
    /// at the next free (or reserved) slot. The bound is loose so a loaded CI machine passes.
    @Test("with 50,000 jobs waiting in the bulk lane, a critical job starts at once")
    func criticalLaneBypassesABacklog() async throws {
        let log = StartLog()
        try await TestRuntime.with(catalog: catalog(log)) { runtime in
            // 50,000 slow bulk jobs: far more than the worker can run while we measure.
            for batch in 0..<50 {
                try await runtime.producer.enqueue(
                    try (0..<1000).map { try .recording("bulk-\(batch)-\($0)", sleep: 200, lane: .bulk) })
            }
            let worker = runtime.startWorker(testWorker(concurrency: 64, poll: .seconds(10), bulk: 64))
            #expect(await eventually { log.total() >= 56 })  // every non-reserved slot is busy
            var latencies: [Duration] = []
            for sample in 0..<10 {
                try await runtime.producer.enqueue(try .recording("otp-\(sample)", lane: .critical))
                let committed = ContinuousClock.now
                #expect(
                    await eventually(timeout: .seconds(2), every: .milliseconds(1)) { log.count("otp-\(sample)") == 1 })
                if let started = log.first("otp-\(sample)") { latencies.append(started - committed) }
                try await Task.sleep(for: .milliseconds(30))
            }
            await worker.cancel()
            #expect(latencies.count == 10)
            #expect(latencies.allSatisfy { $0 < .milliseconds(500) }, "latencies: \(latencies)")
            #expect(try await runtime.count("SELECT count(*) FROM notify.jobs WHERE lane = 2") > 40_000)
        }
    }

    @Test("bulk jobs stay within their cap while transactional and critical jobs still run")
    func bulkLaneStaysWithinItsCap() async throws {
        let log = StartLog()
        try await TestRuntime.with(catalog: catalog(log)) { runtime in
            try await runtime.producer.enqueue(
                try (0..<40).map { try .recording("bulk-\($0)", sleep: 300, lane: .bulk) })
            try await runtime.producer.enqueue(
                try (0..<20).map { try .recording("tx-\($0)", sleep: 300, lane: .transactional) })
            let worker = runtime.startWorker(testWorker(concurrency: 64, poll: .milliseconds(50), bulk: 3))
            #expect(await eventually(timeout: .seconds(5)) { (0..<20).allSatisfy { log.count("tx-\($0)") == 1 } })
            var mostBulkRunning = 0
            for _ in 0..<20 {
                mostBulkRunning = max(
                    mostBulkRunning,
                    try await runtime.count("SELECT count(*) FROM notify.jobs WHERE lane = 2 AND state = 'running'"))
                try await Task.sleep(for: .milliseconds(50))
            }
            await worker.cancel()
            #expect(mostBulkRunning >= 1 && mostBulkRunning <= 3, "bulk jobs running at once: \(mostBulkRunning)")
        }
    }

    /// Enqueues one recording job per lane: `otp` (critical), `tx` (transactional), `bulk` (bulk).
    static func enqueueOnePerLane(_ runtime: TestRuntime) async throws {
        try await runtime.producer.enqueue(try .recording("otp", lane: .critical))
        try await runtime.producer.enqueue(try .recording("tx", lane: .transactional))
        try await runtime.producer.enqueue(try .recording("bulk", lane: .bulk))
    }

    @Test("a worker whose lowest lane is critical runs critical jobs and leaves the other lanes")
    func aCriticalOnlyWorkerLeavesOtherLanes() async throws {
        let log = StartLog()
        try await TestRuntime.with(catalog: catalog(log)) { runtime in
            try await Self.enqueueOnePerLane(runtime)
            let worker = runtime.startWorker(testWorker(poll: .milliseconds(50), maxLane: .critical))
            #expect(await eventually(timeout: .seconds(5)) { log.count("otp") == 1 })
            try await Task.sleep(for: .milliseconds(500))
            await worker.cancel()
            #expect(log.count("bulk") == 0 && log.count("tx") == 0)
            #expect(try await runtime.count("SELECT count(*) FROM notify.jobs WHERE state = 'ready'") == 2)
        }
    }

    @Test("a worker from the transactional lane down never runs critical work, however free it is")
    func aWorkerBelowTheCriticalLaneLeavesCriticalJobs() async throws {
        let log = StartLog()
        try await TestRuntime.with(catalog: catalog(log)) { runtime in
            try await Self.enqueueOnePerLane(runtime)
            var configuration = testWorker(poll: .milliseconds(50))
            configuration.minLane = .transactional
            let worker = runtime.startWorker(configuration)
            #expect(await eventually(timeout: .seconds(5)) { log.count("bulk") == 1 && log.count("tx") == 1 })
            try await runtime.producer.enqueue(try .recording("otp-2", lane: .critical))
            try await Task.sleep(for: .milliseconds(500))
            await worker.cancel()
            #expect(log.count("otp") == 0 && log.count("otp-2") == 0)
            #expect(
                try await runtime.count("SELECT count(*) FROM notify.jobs WHERE state = 'ready' AND lane = 0") == 2)
        }
    }
}
