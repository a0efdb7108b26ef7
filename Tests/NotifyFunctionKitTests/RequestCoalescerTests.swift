import Logging
import NotifyFunctionKit
import PostgresNIO
import Synchronization
import Testing

/// Records the batches a coalescer's reads carried.
final class BatchLog: Sendable {
    private let batches = Mutex<[[Int]]>([])
    func record(_ batch: [Int]) { batches.withLock { $0.append(batch) } }
    var all: [[Int]] { batches.withLock { $0 } }
}

struct ReadFailed: Error {}

@Suite("Read coalescer")
struct RequestCoalescerTests {
    /// A context of `lane`; its database is never used by these reads.
    static func context(_ lane: Lane = .transactional) -> FunctionContext {
        let client = PostgresClient(
            configuration: .init(host: "127.0.0.1", username: "unused", password: nil, database: nil, tls: .disable))
        return FunctionContext(
            jobID: 1, attempt: 1, maxAttempts: 1, deadline: .now + .seconds(30), tenantID: nil, lane: lane,
            logger: Logger(label: "test"), database: FunctionDatabase(client: client), clock: SystemClock())
    }

    /// A coalescer that doubles each request after `delay`, failing batches holding a negative one.
    static func doubler(
        _ log: BatchLog, delay: Duration = .milliseconds(30), maxBatch: Int = 128
    )
        -> RequestCoalescer<Int, Int>
    {
        RequestCoalescer(maxBatch: maxBatch, maxConcurrentFetches: 1) { requests, _ in
            log.record(requests)
            try await Task.sleep(for: delay)
            if requests.contains(where: { $0 < 0 }) { throw ReadFailed() }
            return requests.map { $0 * 2 }
        }
    }

    @Test("a request that finds the read idle goes out alone, at once")
    func anIdleReadGoesOutAlone() async throws {
        let log = BatchLog()
        let reads = Self.doubler(log, delay: .zero)
        #expect(try await reads.load(21, context: Self.context()) == 42)
        #expect(try await reads.load(5, context: Self.context()) == 10)
        #expect(log.all == [[21], [5]])
    }

    @Test("requests that arrive while a read runs go out together, and each gets its own answer")
    func concurrentRequestsShareReads() async throws {
        let log = BatchLog()
        let reads = Self.doubler(log, maxBatch: 40)
        let answers = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for request in 0..<100 {
                group.addTask { (request, try await reads.load(request, context: Self.context())) }
            }
            return try await group.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
        }
        #expect(answers.count == 100)
        #expect(answers.allSatisfy { $0.value == $0.key * 2 })
        let batches = log.all
        #expect(batches.flatMap { $0 }.sorted() == Array(0..<100))
        #expect(batches.count < 20, "reads: \(batches.count)")
        #expect(batches.allSatisfy { $0.count <= 40 })
    }

    @Test("a failed read fails the requests it carried and no others")
    func aFailedReadFailsOnlyItsRequests() async throws {
        let log = BatchLog()
        let reads = Self.doubler(log)
        await #expect(throws: ReadFailed.self) { try await reads.load(-1, context: Self.context()) }
        #expect(try await reads.load(3, context: Self.context()) == 6)
    }

    @Test("critical jobs never wait behind others' reads")
    func criticalRequestsGoOutAlone() async throws {
        let log = BatchLog()
        let reads = Self.doubler(log, delay: .milliseconds(200))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for request in 0..<5 {
                group.addTask { _ = try await reads.load(request, context: Self.context()) }
            }
            try await Task.sleep(for: .milliseconds(50))
            let started = ContinuousClock.now
            #expect(try await reads.load(1000, context: Self.context(.critical)) == 2000)
            // It did not wait for the read under way nor for the one queued behind it.
            #expect(ContinuousClock.now - started < .milliseconds(350))
            try await group.waitForAll()
        }
        #expect(log.all.contains([1000]))
    }
}
