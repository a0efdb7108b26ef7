import Foundation
import NotifyRuntime
import NotifyTestSupport
import PostgresNIO
import Testing

@testable import NotifyHTTP

/// `/readyz` answers within its deadline when the database does not: a pool that cannot give a
/// connection (all busy here; unreachable in production) no longer holds the answer.
@Suite("Readiness deadline")
struct ReadinessTests {
    /// A client of a fresh database whose pool holds at most one connection.
    static func withOneConnection(_ body: @Sendable (PostgresClient) async throws -> Void) async throws {
        let url = try await TestCluster.freshDatabase()
        var configuration = url.clientConfiguration(applicationName: "notify-test")
        configuration.options.maximumConnections = 1
        configuration.options.minimumConnections = 0
        let client = PostgresClient(configuration: configuration)
        try await client.whileRunning { try await body(client) }
    }

    @Test("the readiness probe says no within its deadline while every connection is busy, and yes once one is free")
    func readinessHasADeadline() async throws {
        try await Self.withOneConnection { client in
            #expect(await OperationsServer.databaseAnswers(client, within: .seconds(5), logger: TestCluster.logger))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await client.query("SELECT pg_sleep(3)", logger: TestCluster.logger) }
                try await Task.sleep(for: .milliseconds(300))
                let started = ContinuousClock.now
                let answered = await OperationsServer.databaseAnswers(
                    client, within: .milliseconds(500), logger: TestCluster.logger)
                let waited = ContinuousClock.now - started
                #expect(!answered)
                #expect(waited < .seconds(2), "answered after \(waited), not after the busy connection")
                try await group.waitForAll()
            }
            #expect(await OperationsServer.databaseAnswers(client, within: .seconds(5), logger: TestCluster.logger))
        }
    }

    @Test("the readiness probe says no within its deadline while the server does not answer a query it was sent")
    func readinessDoesNotWaitForAStoppedServer() async throws {
        try await Self.withOneConnection { client in
            // The pool's only connection, and the server process behind it.
            let rows = try await client.query("SELECT pg_backend_pid()", logger: TestCluster.logger)
            var pid: Int32 = 0
            for try await row in rows { pid = try row.decode(Int32.self) }
            #expect(pid > 0)
            #expect(kill(pid, SIGSTOP) == 0)
            let started = ContinuousClock.now
            let answered = await OperationsServer.databaseAnswers(
                client, within: .milliseconds(500), logger: TestCluster.logger)
            let waited = ContinuousClock.now - started
            #expect(kill(pid, SIGCONT) == 0)
            #expect(!answered)
            #expect(waited < .seconds(2), "answered after \(waited), not at its deadline")
            #expect(await OperationsServer.databaseAnswers(client, within: .seconds(5), logger: TestCluster.logger))
        }
    }
}
