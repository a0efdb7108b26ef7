import Foundation
import NotifyFunctionKit
import NotifyTestSupport
import PostgresNIO
import Synchronization
import Testing

@testable import NotifyRuntime

/// A test function that passes itself on: each hop records its start and enqueues the next hop,
/// and the last hop may hand over to `recording`.
struct RelayFunction: NotifyFunction {
    struct Input: Codable, Sendable {
        var key: String
        var hops: Int
        var lane: Lane?
        var thenRecording = false
    }

    static let name: FunctionName = "relay"
    let log: StartLog

    func handle(_ input: Input, context: FunctionContext) async throws -> FunctionOutput {
        log.record("\(input.key)-\(input.hops)")
        if input.hops > 1 {
            var next = input
            next.hops -= 1
            return FunctionOutput(next: [try JobRequest(function: Self.name, input: next, lane: input.lane)])
        }
        guard input.thenRecording else { return .none }
        return FunctionOutput(next: [try .recording("\(input.key)-recorded", lane: input.lane)])
    }
}

/// A completion that enqueues jobs the worker itself runs claims them for the worker in the same
/// transaction (``ChainedClaim``); everything else is enqueued ready for any worker, as before.
@Suite("Successors chained to the worker that enqueued them", .timeLimit(.minutes(3)))
struct ChainedClaimTests {
    static func catalog(_ log: StartLog) -> FunctionCatalog {
        var catalog = NotifyRuntimeTests.catalog(log)
        catalog.register(RelayFunction(log: log))
        return catalog
    }

    static func inserts(_ runtime: TestRuntime) async throws -> [(String, String, String?, Int, Int64)] {
        try await runtime.rows(
            "SELECT queue, state, locked_by, attempt, fence FROM public.job_inserts ORDER BY key DESC, queue"
        ).map { try $0.decode((String, String, String?, Int, Int64).self) }
    }

    @Test("a transactional chain runs hop after hop with each successor inserted claimed by the worker")
    func transactionalSuccessorsAreInsertedClaimed() async throws {
        let log = StartLog()
        try await TestRuntime.with(catalog: Self.catalog(log)) { runtime in
            try await runtime.logJobInserts()
            let configuration = testWorker(poll: .seconds(5))
            let worker = runtime.startWorker(configuration)
            try await runtime.producer.enqueue(
                try JobRequest(function: "relay", input: RelayFunction.Input(key: "t", hops: 4, lane: .transactional)))
            #expect(
                await eventually {
                    guard log.count("t-1") == 1 else { return false }
                    return (try? await runtime.count("SELECT count(*) FROM notify.jobs")) == 0
                })
            try await worker.shutdown()
            #expect((1...4).allSatisfy { log.count("t-\($0)") == 1 })
            let inserted = try await Self.inserts(runtime)
            #expect(inserted.count == 4)
            // The first came from the producer; each of the other three was claimed as it was inserted.
            #expect(inserted.filter { $0.1 == "ready" }.count == 1)
            let chained = inserted.filter { $0.1 == "running" }
            #expect(chained.count == 3)
            #expect(chained.allSatisfy { $0.2 == configuration.workerID && $0.3 == 1 && $0.4 == 1 })
        }
    }

    @Test("a worker with every slot taken still chains: a completed job's slot passes to its successor")
    func aFullWorkerHandsItsSlotToTheSuccessor() async throws {
        let log = StartLog()
        try await TestRuntime.with(catalog: Self.catalog(log)) { runtime in
            try await runtime.logJobInserts()
            // One slot, none reserved: while a hop completes, its own job holds the only slot.
            let configuration = testWorker(concurrency: 1, poll: .seconds(5), reserved: 0)
            let worker = runtime.startWorker(configuration)
            try await runtime.producer.enqueue(
                try JobRequest(function: "relay", input: RelayFunction.Input(key: "f", hops: 3, lane: .transactional)))
            #expect(
                await eventually {
                    guard log.count("f-1") == 1 else { return false }
                    return (try? await runtime.count("SELECT count(*) FROM notify.jobs")) == 0
                })
            try await worker.shutdown()
            let inserted = try await Self.inserts(runtime)
            #expect(inserted.map(\.1) == ["ready", "running", "running"], "\(inserted)")
        }
    }

    @Test(
        "bulk-lane successors, successors of functions the worker does not run, and a worker that does not chain leave jobs ready"
    )
    func otherSuccessorsAreEnqueuedReady() async throws {
        let log = StartLog()
        try await TestRuntime.with(catalog: Self.catalog(log)) { runtime in
            try await runtime.logJobInserts()
            // Bulk: a campaign's jobs keep their queue order and concurrency cap.
            let everything = runtime.startWorker(testWorker(poll: .milliseconds(50)))
            try await runtime.producer.enqueue(
                try JobRequest(function: "relay", input: RelayFunction.Input(key: "b", hops: 3, lane: .bulk)))
            #expect(await eventually { log.count("b-1") == 1 })
            try await everything.shutdown()

            // A worker that runs only relay leaves the recording job for another worker.
            let relayOnly = try runtime.catalog.restricted(to: ["relay"])
            let relayWorker = runtime.startWorker(testWorker(poll: .milliseconds(50)), catalog: relayOnly)
            try await runtime.producer.enqueue(
                try JobRequest(
                    function: "relay",
                    input: RelayFunction.Input(key: "r", hops: 1, lane: .critical, thenRecording: true)))
            #expect(await eventually { log.count("r-1") == 1 })
            try await relayWorker.shutdown()
            #expect(log.count("r-recorded") == 0)
            #expect(
                try await runtime.count(
                    "SELECT count(*) FROM notify.jobs WHERE queue = 'recording' AND state = 'ready'") == 1)

            // Chaining turned off.
            var unchained = testWorker(poll: .milliseconds(50))
            unchained.chainSuccessors = false
            let plain = runtime.startWorker(unchained)
            try await runtime.producer.enqueue(
                try JobRequest(function: "relay", input: RelayFunction.Input(key: "u", hops: 3, lane: .critical)))
            #expect(await eventually { log.count("u-1") == 1 && log.count("r-recorded") == 1 })
            try await plain.shutdown()

            let inserted = try await Self.inserts(runtime)
            #expect(inserted.count == 3 + 2 + 3)
            #expect(inserted.allSatisfy { $0.1 == "ready" && $0.2 == nil && $0.3 == 0 })
        }
    }

    @Test("a chained job whose worker dies before running it is taken over when its lease expires")
    func anAbandonedChainedJobIsTakenOver() async throws {
        let log = StartLog()
        try await TestRuntime.with(catalog: Self.catalog(log)) { runtime in
            // What a chained claim leaves when its worker is killed between commit and start.
            let producer = runtime.producer
            try await runtime.client.withConnection { connection in
                let claim = ChainedClaim(
                    workerID: "dead-worker", leaseSeconds: 1, queues: ["relay"], maxLane: .bulk, budget: 8)
                let (ids, chained, _) = try await producer.enqueue(
                    [try JobRequest(function: "relay", input: RelayFunction.Input(key: "d", hops: 1, lane: .critical))],
                    on: connection, chaining: claim, wakingAfterCommit: false)
                #expect(chained.map(\.id) == ids)
                #expect(chained.first?.attempt == 1)
            }
            #expect(try await runtime.count("SELECT count(*) FROM notify.jobs WHERE state = 'running'") == 1)
            let leader = runtime.startLeader()
            let worker = runtime.startWorker(testWorker(poll: .milliseconds(50)))
            #expect(await eventually(timeout: .seconds(20)) { log.count("d-1") == 1 })
            try await worker.shutdown()
            try await leader.shutdown()
        }
    }

    @Test("the handoff gives jobs to the claim loop once, and after closing releases them instead")
    func theHandoffReleasesWhatArrivesAfterClosing() {
        let handoff = ChainHandoff()
        let released = ReleasedJobs()
        handoff.releaseRefused { released.add($0) }
        let job = { (id: Int64) in
            ClaimedJob(
                id: id, queue: "relay", lane: .critical, payload: JobPayload(json: "{}"), attempt: 1, maxAttempts: 3,
                fence: 1,
                tenantID: nil)
        }
        handoff.hand([job(1), job(2)])
        #expect(handoff.pendingCount == 2)
        #expect(handoff.take().map(\.id) == [1, 2])
        #expect(handoff.take().isEmpty)
        handoff.hand([job(3)])
        handoff.close()
        #expect(released.ids == [3])
        handoff.hand([job(4)])
        #expect(released.ids == [3, 4])
        #expect(handoff.take().isEmpty)
        #expect(handoff.isClosed)
    }

    @Test("a chained claim takes only jobs due now, of lanes above bulk within the worker's, for functions it runs")
    func whatAChainedClaimTakes() throws {
        let claim = ChainedClaim(workerID: "w", leaseSeconds: 30, queues: ["relay"], maxLane: .transactional, budget: 4)
        let now = try JobRequest(function: "relay", input: RelayFunction.Input(key: "k", hops: 1))
        var later = now
        later.runAt = Date().addingTimeInterval(60)
        let other = try JobRequest.recording("k")
        #expect(claim.takes(now, lane: .critical))
        #expect(claim.takes(now, lane: .transactional))
        #expect(!claim.takes(now, lane: .bulk))
        #expect(!claim.takes(later, lane: .critical))
        #expect(!claim.takes(other, lane: .critical))
        let criticalOnly = ChainedClaim(
            workerID: "w", leaseSeconds: 30, queues: ["relay"], maxLane: .critical, budget: 4)
        #expect(!criticalOnly.takes(now, lane: .transactional))
    }
}

/// Jobs a handoff released, in order.
final class ReleasedJobs: Sendable {
    private let jobs = Mutex<[ClaimedJob]>([])
    func add(_ more: [ClaimedJob]) { jobs.withLock { $0.append(contentsOf: more) } }
    var ids: [Int64] { jobs.withLock { $0.map(\.id) } }
}
