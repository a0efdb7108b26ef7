import Foundation
import NotifyRuntime
import NotifyTestSupport
import PostgresNIO
import Synchronization
import Testing

@Suite("A connection pool outlives the work it serves", .timeLimit(.minutes(2)))
struct PoolLifetimeTests {
    @Test("a transaction cancelled mid-statement still finishes, and the pool stops after it")
    func cancelledTransactionFinishes() async throws {
        let url = try await TestCluster.freshDatabase()
        let client = PostgresClient(configuration: url.clientConfiguration(applicationName: "notify-test"))
        let started = Flag()
        let work = Task {
            try await client.whileRunning {
                try await client.withTransaction(logger: TestCluster.logger) { connection in
                    started.set()
                    // Under way when the task is cancelled: PostgresNIO does not interrupt it.
                    try await connection.query("SELECT pg_sleep(0.5)", logger: TestCluster.logger)
                    // Written after the cancellation, on a connection the pool has not closed.
                    let rows = try await connection.query("SELECT 41 + 1", logger: TestCluster.logger)
                    var answer = 0
                    for try await (value) in rows.decode(Int.self) { answer = value }
                    return answer
                }
            }
        }
        while !started.isSet { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(100))
        work.cancel()
        // With the pool cancelled alongside the work, the rollback after the failed statement
        // was written to a closed connection and never answered: the task never finished.
        let outcome = await Self.outcome(of: work, within: .seconds(20))
        let result = try #require(outcome, "the cancelled transaction did not finish within 20 s")
        switch result {
        case .success(let answer):
            #expect(answer == 42)
        case .failure(let error as PostgresTransactionError):
            // A row sequence awaited in a cancelled task ends with CancellationError when its rows
            // have not arrived yet (SwiftNIO's async sequences): then the transaction is rolled
            // back, and that rollback must have been answered on the live connection.
            #expect(error.closureError is CancellationError, "\(error)")
            #expect(error.rollbackError == nil, "\(error)")
        case .failure(let error):
            Issue.record("the cancelled transaction failed otherwise: \(error)")
        }
        // The pool has stopped: a new lease fails instead of waiting.
        await #expect(throws: (any Error).self) {
            try await client.withConnection { _ in }
        }
    }

    @Test("work that fails still stops the pool, and its error reaches the caller")
    func failingWorkStopsThePool() async throws {
        let url = try await TestCluster.freshDatabase()
        let client = PostgresClient(configuration: url.clientConfiguration(applicationName: "notify-test"))
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await client.whileRunning {
                _ = try await client.query("SELECT 1", logger: TestCluster.logger)
                throw Refused()
            }
        }
        await #expect(throws: (any Error).self) {
            try await client.withConnection { _ in }
        }
    }

    /// The task's result, or nil when it has not finished within `limit` (the task is then left
    /// behind, so that a hang fails the test instead of stalling the suite).
    static func outcome<T: Sendable>(
        of task: Task<T, any Error>, within limit: Duration
    ) async -> Result<T, any Error>? {
        let (events, sink) = AsyncStream.makeStream(of: Result<T, any Error>?.self)
        Task { sink.yield(await task.result) }
        Task {
            try? await Task.sleep(for: limit)
            sink.yield(nil)
        }
        for await first in events { return first }
        return nil
    }
}

/// A flag set once, read from another task.
private final class Flag: Sendable {
    private let state = Mutex(false)
    var isSet: Bool { state.withLock { $0 } }
    func set() { state.withLock { $0 = true } }
}
