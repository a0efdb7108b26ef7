import Foundation
import NotifyFunctionKit
import NotifyRuntime
import NotifyTestSupport
import PostgresNIO
import ProbeFunction
import Testing

/// `notify work` asked to stop while its database has stopped answering: the statements it writes
/// while stopping are never answered, and the process still ends (``ShutdownDeadline``).
@Suite("Stopping with a database that does not answer", .serialized, .timeLimit(.minutes(5)))
struct StopDeadlineTests {
    /// The worker's grace period for running jobs, and its stop deadline: that plus 10 s.
    static let grace = 500
    static let deadline: Duration = .milliseconds(grace) + .seconds(10)

    @Test("a worker whose database does not answer exits with shutdown_incomplete once its stop deadline passes")
    func theDeadlineEndsAStopThatWaitsOnTheDatabase() async throws {
        try await Self.withFrozenWorker { worker in
            let signalled = ContinuousClock.now
            worker.signal(SIGTERM)
            let status = await Self.exitStatus(of: worker, within: Self.deadline + .seconds(20))
            let waited = ContinuousClock.now - signalled
            #expect(status == 1, "log: \(worker.log)")
            #expect(waited >= Self.deadline - .milliseconds(500), "exited after \(waited)")
            #expect(worker.log.contains("still stopping"), "log: \(worker.log)")
            #expect(
                worker.log.contains("shutdown_incomplete: the process did not stop within 10 s of SIGTERM"),
                "log: \(worker.log)")
        }
    }

    @Test("a second signal ends the stop at once")
    func aSecondSignalEndsTheStop() async throws {
        try await Self.withFrozenWorker { worker in
            worker.signal(SIGTERM)
            try await Task.sleep(for: .seconds(1))
            #expect(!worker.hasExited, "the worker stopped although its database does not answer: \(worker.log)")
            let signalled = ContinuousClock.now
            worker.signal(SIGINT)
            let status = await Self.exitStatus(of: worker, within: .seconds(20))
            #expect(status == 1, "log: \(worker.log)")
            #expect(ContinuousClock.now - signalled < .seconds(5))
            #expect(
                worker.log.contains("shutdown_incomplete: the process was stopped at once by a second SIGINT"),
                "log: \(worker.log)")
        }
    }

    /// Starts `notify work` (the leader too), waits until it runs a long job, stops its PostgreSQL
    /// sessions (SIGSTOP: connected, never answering) and runs `body`; the sessions are resumed
    /// afterwards. Once its grace period is over, the worker's stop releases the job, a statement
    /// the database never answers.
    static func withFrozenWorker(_ body: @Sendable (NotifyProcess) async throws -> Void) async throws {
        try await TestRuntime.with(catalog: ProcessTests.probeCatalog()) { runtime in
            _ = try await runtime.producer.enqueue(
                try JobRequest(
                    function: "probe",
                    input: ProbeFunction.Input(marker: "long", sleepMilliseconds: 120_000, recordStart: true)))
            let worker = try await NotifyProcess.start(
                ["work", "--functions", "probe", "--shutdown-grace-ms", "\(grace)", "--leader-interval-ms", "200"],
                databaseURL: runtime.url.secretURLString)
            let running = await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
                (try? await runtime.count("SELECT count(*) FROM notify.probe_starts")) == 1
                    && worker.log.contains("became scheduler leader")
            }
            guard running else {
                Issue.record("the worker did not start its job: \(worker.log)")
                await worker.stop()
                return
            }
            let sessions = try await runtime.rows(
                """
                SELECT pid FROM pg_stat_activity
                WHERE datname = current_database() AND application_name LIKE 'notify-%'
                  AND application_name <> 'notify-test'
                """
            ).map { try $0.decode(Int32.self) }
            #expect(!sessions.isEmpty)
            for pid in sessions { kill(pid, SIGSTOP) }
            do {
                try await body(worker)
            } catch {
                for pid in sessions { kill(pid, SIGCONT) }
                await worker.stop()
                throw error
            }
            for pid in sessions { kill(pid, SIGCONT) }
            await worker.stop()
        }
    }

    /// The process's exit status, or nil (recorded, and the process killed) if it has not exited
    /// within `limit`.
    static func exitStatus(of process: NotifyProcess, within limit: Duration) async -> Int32? {
        let exited = await eventually(timeout: limit, every: .milliseconds(50)) { process.hasExited }
        guard exited else {
            Issue.record("the process did not exit within \(limit): \(process.log)")
            return nil
        }
        return await process.waitForExit()
    }
}
