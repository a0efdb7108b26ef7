import Foundation
import NotifyFunctionKit
import NotifyRuntime
import NotifyTestSupport
import PostgresNIO
import Synchronization
import Testing

/// Wake-ups rung after a durable commit rather than with it (``PendingWakeup``): nothing rings
/// at the commit, the wake-up rings once sent, the jobs it announces are visible by then, and its
/// own transaction's `synchronous_commit = off` does not stay on the connection.
@Suite(.timeLimit(.minutes(2))) struct AfterCommitWakeupTests {
    @Test func aDurableEnqueueRingsWhenItsWakeUpIsSentNotAtItsCommit() async throws {
        try await TestRuntime.with(catalog: catalog()) { runtime in
            let heard = Heard()
            try await listening(runtime, heard: heard) {
                let wakeup = try await runtime.client.withConnection { connection in
                    try await connection.withTransaction(logger: runtime.logger) { connection in
                        try await runtime.producer.enqueue(
                            [try .recording("durable", lane: .critical)], on: connection, wakingAfterCommit: true
                        ).wakeup
                    }
                }
                #expect(wakeup.queues == ["recording"])
                try await Task.sleep(for: .milliseconds(300))
                #expect(heard.payloads().isEmpty, "the commit itself rang: \(heard.payloads())")

                try await runtime.client.withConnection { connection in
                    await wakeup.send(on: connection, logger: runtime.logger)
                    let setting = try await connection.query("SHOW synchronous_commit", logger: runtime.logger)
                        .collect().first?.decode(String.self)
                    #expect(setting == "on", "the wake-up's own setting outlived its transaction")
                }
                #expect(await eventually(timeout: .seconds(5)) { heard.payloads() == ["recording"] })
            }
        }
    }

    @Test func aJobEnqueuedInItsOwnTransactionIsVisibleWhenItsWakeUpArrives() async throws {
        try await TestRuntime.with(catalog: catalog()) { runtime in
            let heard = Heard()
            try await listening(runtime, heard: heard, countingJobsOnArrival: true) {
                try await runtime.producer.enqueue(try .recording("own", lane: .critical))
                #expect(await eventually(timeout: .seconds(5)) { heard.payloads() == ["recording"] })
            }
            #expect(heard.jobsSeenOnArrival() == [1], "the wake-up arrived before its job was visible")
        }
    }

    @Test func aWakeUpForNoQueueSendsNothing() async throws {
        try await TestRuntime.with(catalog: catalog()) { runtime in
            let heard = Heard()
            try await listening(runtime, heard: heard) {
                try await runtime.client.withConnection { connection in
                    await PendingWakeup.none.send(on: connection, logger: runtime.logger)
                }
                try await Task.sleep(for: .milliseconds(300))
            }
            #expect(heard.payloads().isEmpty)
        }
    }

    /// What a listening connection heard, and how many jobs it could see when each arrived.
    final class Heard: Sendable {
        private let state = Mutex<(payloads: [String], jobs: [Int], listening: Bool)>(([], [], false))
        func startedListening() { state.withLock { $0.listening = true } }
        func isListening() -> Bool { state.withLock { $0.listening } }
        func record(_ payload: String, jobs: Int?) {
            state.withLock {
                $0.payloads.append(payload)
                if let jobs { $0.jobs.append(jobs) }
            }
        }
        func payloads() -> [String] { state.withLock { $0.payloads } }
        func jobsSeenOnArrival() -> [Int] { state.withLock { $0.jobs } }
    }

    /// Runs `body` while a connection listens on `notify_jobs`.
    private func listening(
        _ runtime: TestRuntime, heard: Heard, countingJobsOnArrival: Bool = false,
        _ body: @Sendable () async throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await runtime.client.withConnection { connection in
                    try await connection.listen(on: "notify_jobs") { notifications in
                        heard.startedListening()
                        for try await notification in notifications {
                            let jobs =
                                countingJobsOnArrival
                                ? try await runtime.count("SELECT count(*)::int FROM notify.jobs") : nil
                            heard.record(notification.payload, jobs: jobs)
                        }
                    }
                }
            }
            #expect(await eventually(timeout: .seconds(5)) { heard.isListening() })
            // LISTEN takes effect once its statement has run; give it that moment.
            try await Task.sleep(for: .milliseconds(100))
            try await body()
            group.cancelAll()
        }
    }
}
