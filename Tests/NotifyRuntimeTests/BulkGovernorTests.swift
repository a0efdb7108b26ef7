import Foundation
import NotifyFunctionKit
import NotifyTestSupport
import PostgresNIO
import Synchronization
import Testing

@testable import NotifyRuntime

/// A test function whose completion transaction takes `milliseconds` in PostgreSQL.
struct SlowCompletionFunction: NotifyFunction {
    struct Input: Codable, Sendable { var milliseconds: Int }

    static let name: FunctionName = "slow-completion"

    func handle(_ input: Input, context: FunctionContext) async throws -> FunctionOutput {
        FunctionOutput(writes: ["SELECT pg_sleep(\(Double(input.milliseconds) / 1000))"])
    }
}

/// The bulk lane gets only the capacity the critical lane leaves (``BulkGovernor``).
@Suite("Bulk work backs off for the critical lane", .timeLimit(.minutes(3)))
struct BulkGovernorTests {
    let start = ContinuousClock.now

    @Test("a slow critical completion halves the bulk allowance, once per target interval, down to none")
    func slowCompletionsCutTheAllowance() {
        let governor = BulkGovernor(maximum: 8, target: .milliseconds(10), recoveryPerSecond: 0)
        #expect(governor.allowance(at: start) == 8)
        governor.observeCritical(.milliseconds(5), at: start)
        #expect(governor.allowance(at: start) == 8, "a fast completion changes nothing")
        governor.observeCritical(.milliseconds(40), at: start)
        #expect(governor.allowance(at: start) == 4)
        governor.observeCritical(.milliseconds(40), at: start + .milliseconds(5))
        #expect(governor.allowance(at: start + .milliseconds(5)) == 4, "one cut per target interval")
        for step in 1...4 {
            governor.observeCritical(.milliseconds(40), at: start + .milliseconds(20 * step))
        }
        #expect(governor.allowance(at: start + .milliseconds(80)) == 0)
        #expect(governor.isThrottling(at: start + .milliseconds(80)))
    }

    @Test("the allowance grows back while the critical lane stays fast, up to the cap")
    func theAllowanceRecovers() {
        let governor = BulkGovernor(maximum: 4, target: .milliseconds(10), recoveryPerSecond: 4)
        governor.observeCritical(.milliseconds(3), at: start)
        for step in 1...4 { governor.observeCritical(.milliseconds(50), at: start + .milliseconds(10 * step)) }
        let paused = start + .milliseconds(40)
        #expect(governor.allowance(at: paused) == 0)
        #expect(governor.allowance(at: paused + .milliseconds(260)) == 1)
        #expect(governor.allowance(at: paused + .milliseconds(760)) == 3)
        #expect(governor.allowance(at: paused + .seconds(5)) == 4)
        #expect(!governor.isThrottling(at: paused + .seconds(5)))
    }

    @Test("a database whose completions are never fast raises the target to twice its fastest")
    func theTargetFollowsTheFastestCompletion() {
        let governor = BulkGovernor(maximum: 4, target: .milliseconds(10), recoveryPerSecond: 0)
        for step in 0..<10 {
            governor.observeCritical(.milliseconds(30 + step), at: start + .milliseconds(100 * step))
        }
        #expect(governor.allowance(at: start + .seconds(1)) == 4, "30 ms round trips are this database's normal")
        governor.observeCritical(.milliseconds(95), at: start + .milliseconds(1100))
        #expect(governor.allowance(at: start + .milliseconds(1100)) == 2, "over twice the fastest is congestion")
        // Ten seconds later the window has forgotten the fast ones: 95 ms is the new fastest.
        governor.observeCritical(.milliseconds(95), at: start + .seconds(12))
        governor.observeCritical(.milliseconds(180), at: start + .seconds(12) + .milliseconds(50))
        #expect(governor.allowance(at: start + .seconds(12) + .milliseconds(50)) == 2)
    }

    @Test("a cut is announced at most once per signal interval, and another worker's cut halves the allowance")
    func cutsAreSharedBetweenWorkers() {
        let announced = Mutex(0)
        let governor = BulkGovernor(
            maximum: 8, target: .milliseconds(10), recoveryPerSecond: 0, onCut: { announced.withLock { $0 += 1 } })
        #expect(!governor.observeCritical(.milliseconds(5), at: start), "a fast completion")
        #expect(governor.observeCritical(.milliseconds(40), at: start))
        #expect(!governor.observeCritical(.milliseconds(40), at: start + .milliseconds(5)), "within the target")
        #expect(governor.observeCritical(.milliseconds(40), at: start + .milliseconds(50)))
        #expect(announced.withLock { $0 } == 1, "two cuts within 100 ms are one announcement")
        #expect(governor.observeCritical(.milliseconds(40), at: start + .milliseconds(120)))
        #expect(announced.withLock { $0 } == 2)

        let other = BulkGovernor(maximum: 8, target: .milliseconds(10), recoveryPerSecond: 0)
        other.observeRemoteCut(at: start)
        #expect(other.allowance(at: start) == 4)
        other.observeRemoteCut(at: start + .milliseconds(50))
        #expect(other.allowance(at: start) == 4, "one remote cut per signal interval")
        other.observeRemoteCut(at: start + .milliseconds(150))
        #expect(other.allowance(at: start + .milliseconds(150)) == 2)

        let untuned = BulkGovernor(maximum: 8, target: nil)
        untuned.observeRemoteCut(at: start)
        #expect(untuned.allowance(at: start) == 8, "a worker that never backs off ignores other workers' cuts")
    }

    @Test("without a target the governor never cuts")
    func noTargetNoCuts() {
        let governor = BulkGovernor(maximum: 4, target: nil)
        governor.observeCritical(.seconds(3), at: start)
        #expect(governor.allowance(at: start) == 4)
    }

    @Test("a bulk job's yield point waits while bulk work is paused, and not longer than its limit")
    func theYieldPointWaitsWhilePaused() async {
        let open = BulkGovernor(maximum: 2, target: .milliseconds(10))
        let before = ContinuousClock.now
        await open.waitWhilePaused(limit: .seconds(5))
        #expect(ContinuousClock.now - before < .seconds(1), "not paused: no wait")

        let paused = BulkGovernor(maximum: 1, target: .milliseconds(10), recoveryPerSecond: 0)
        paused.observeCritical(.milliseconds(2))
        paused.observeCritical(.milliseconds(50))
        #expect(paused.allowance() == 0)
        let waitStart = ContinuousClock.now
        await paused.waitWhilePaused(limit: .milliseconds(300))
        #expect(ContinuousClock.now - waitStart >= .milliseconds(300))
    }

    @Test("while critical completions are slow, a worker stops starting bulk jobs, and resumes after")
    func aWorkerHoldsBulkWorkBackWhileCriticalWorkIsSlow() async throws {
        let log = StartLog()
        var catalog = NotifyRuntimeTests.catalog(log)
        catalog.register(SlowCompletionFunction())
        try await TestRuntime.with(catalog: catalog) { runtime in
            try await runtime.producer.enqueue(
                try (0..<400).map { try .recording("bulk-\($0)", sleep: 100, lane: .bulk) })
            var configuration = testWorker(concurrency: 64, poll: .milliseconds(50), bulk: 4)
            configuration.criticalCompletionTarget = .milliseconds(10)
            let worker = runtime.startWorker(configuration)
            #expect(await eventually(timeout: .seconds(10)) { log.total() >= 8 })

            /// Enqueues `count` critical jobs whose completions take `milliseconds`, one every `every`.
            func critical(_ count: Int, completionMilliseconds milliseconds: Int, every: Duration) async throws {
                for _ in 0..<count {
                    try await runtime.producer.enqueue(
                        try JobRequest(
                            function: "slow-completion",
                            input: SlowCompletionFunction.Input(milliseconds: milliseconds),
                            lane: .critical))
                    try await Task.sleep(for: every)
                }
            }
            // Fast critical completions first, so the governor knows what this database's are like.
            try await critical(10, completionMilliseconds: 0, every: .milliseconds(20))
            // Then critical jobs whose completions take 50 ms, every 60 ms for about two seconds.
            let slowStart = ContinuousClock.now
            let startedBefore = log.total()
            try await critical(33, completionMilliseconds: 50, every: .milliseconds(60))
            let slowRate = Double(log.total() - startedBefore) / (ContinuousClock.now - slowStart).inSeconds

            // Then nothing critical: the allowance grows back to the cap within a second.
            try await Task.sleep(for: .milliseconds(1500))
            let fastStart = ContinuousClock.now
            let startedAfter = log.total()
            try await Task.sleep(for: .seconds(2))
            let fastRate = Double(log.total() - startedAfter) / (ContinuousClock.now - fastStart).inSeconds
            // Four slots of 100 ms jobs start about 40 a second when nothing holds them back.
            #expect(fastRate > 15, "bulk jobs started per second afterwards: \(fastRate)")
            #expect(slowRate < fastRate / 2, "per second while critical work was slow: \(slowRate), after: \(fastRate)")
            await worker.cancel()
        }
    }

    @Test("a worker that runs only campaign work backs off when another worker's critical completions are slow")
    func aBulkOnlyWorkerTakesTheCriticalWorkersCuts() async throws {
        var catalog = NotifyRuntimeTests.catalog(StartLog())
        catalog.register(SlowCompletionFunction())
        try await TestRuntime.with(catalog: catalog) { runtime in
            var criticalConfiguration = testWorker(concurrency: 16, poll: .milliseconds(50), maxLane: .critical)
            criticalConfiguration.criticalCompletionTarget = .milliseconds(10)
            criticalConfiguration.workerID = "otp-worker"
            var bulkConfiguration = testWorker(concurrency: 16, poll: .milliseconds(50), bulk: 8)
            bulkConfiguration.minLane = .transactional
            bulkConfiguration.criticalCompletionTarget = .milliseconds(10)
            bulkConfiguration.workerID = "campaign-worker"
            let otp = runtime.startWorker(criticalConfiguration)
            let campaign = runtime.startWorker(bulkConfiguration)
            // Its own announcement changes nothing for the worker that sent it.
            try await runtime.client.query(
                "SELECT pg_notify('notify_jobs', \(WakeupListener.pressurePayload(from: "campaign-worker")))",
                logger: runtime.logger)
            try await Task.sleep(for: .milliseconds(300))
            #expect(campaign.service.governor.allowance() == 8)

            // Fast critical completions, so the other worker knows this database's, then slow ones.
            for milliseconds in Array(repeating: 0, count: 10) + Array(repeating: 50, count: 6) {
                try await runtime.producer.enqueue(
                    try JobRequest(
                        function: "slow-completion", input: SlowCompletionFunction.Input(milliseconds: milliseconds),
                        lane: .critical))
                try await Task.sleep(for: .milliseconds(milliseconds == 0 ? 20 : 60))
            }
            #expect(await eventually(timeout: .seconds(5)) { campaign.service.governor.allowance() < 8 })
            await campaign.cancel()
            await otp.cancel()
        }
    }
}
