import Foundation
import NotifyFunctionKit
import NotifyRuntime
import NotifyTestSupport
import PostgresNIO
import ProbeFunction
import Testing

@Suite("Worker: running, retrying, burying and replaying jobs", .timeLimit(.minutes(3)))
struct WorkerTests {
    @Test("jobs run once, successful rows are deleted, and outputs commit with the completion")
    func runsJobsAndCommitsOutputs() async throws {
        let log = StartLog()
        try await TestRuntime.with(catalog: catalog(log)) { runtime in
            var requests = try (0..<200).map { try JobRequest.recording("job-\($0)") }
            requests.append(try .probe(.init(marker: "spawner", spawnNoops: 0)))
            try await runtime.producer.enqueue(requests)
            let worker = runtime.startWorker(testWorker())
            #expect(await eventually { (try? await runtime.count("SELECT count(*) FROM notify.jobs")) == 0 })
            try await worker.shutdown()
            #expect(log.total() == 200)
            #expect((0..<200).allSatisfy { log.count("job-\($0)") == 1 })
            #expect(try await runtime.count("SELECT count(*) FROM notify.probe_runs WHERE marker = 'spawner'") == 1)
        }
    }

    @Test(
        "transient failures retry with growing delays; the last one lands in the dead letters with its history; replay runs it again"
    )
    func transientFailuresRetryThenDie() async throws {
        try await TestRuntime.with(catalog: catalog()) { runtime in
            let id = try await runtime.producer.enqueue(
                try .probe(.init(marker: "flaky", fail: "transient", recordStart: true)))
            let worker = runtime.startWorker(testWorker(poll: .milliseconds(50)))
            #expect(
                await eventually(timeout: .seconds(30)) {
                    (try? await runtime.count("SELECT count(*) FROM notify.dead_jobs")) == 1
                })
            // Four attempts (ProbeFunction's limit), with delays that grow on average: check the
            // history and that every attempt ran.
            let rows = try await runtime.rows(
                "SELECT attempts, jsonb_array_length(errors), errors -> -1 ->> 'code' FROM notify.dead_jobs WHERE id = \(id)"
            )
            let (attempts, historyLength, lastCode) = try rows[0].decode((Int, Int, String).self)
            #expect(attempts == 4)
            #expect(historyLength == 4)
            #expect(lastCode == "probe_transient")
            let starts = try await runtime.rows(
                "SELECT attempt, extract(epoch FROM started_at)::float8 FROM notify.probe_starts WHERE marker = 'flaky' ORDER BY attempt"
            )
            let times = try starts.map { try $0.decode((Int, Double).self) }
            #expect(times.map(\.0) == [1, 2, 3, 4])
            #expect(try await runtime.count("SELECT count(*) FROM notify.jobs") == 0)

            // Replay: make it succeed this time by clearing the failure, then replay.
            try await runtime.client.query(
                "UPDATE notify.dead_jobs SET payload = payload - 'fail' WHERE id = \(id)", logger: runtime.logger)
            let replayed = try await QueueInspector(client: runtime.client, logger: runtime.logger).replay(ids: [id])
            #expect(replayed == [id])
            #expect(
                await eventually {
                    (try? await runtime.count("SELECT count(*) FROM notify.probe_runs WHERE marker = 'flaky'")) == 1
                })
            #expect(try await runtime.count("SELECT count(*) FROM notify.dead_jobs") == 0)
            try await worker.shutdown()
        }
    }

    @Test("permanent failures are not retried")
    func permanentFailuresDieAtOnce() async throws {
        try await TestRuntime.with(catalog: catalog()) { runtime in
            let id = try await runtime.producer.enqueue(
                try .probe(.init(marker: "doomed", fail: "permanent", recordStart: true)))
            let worker = runtime.startWorker(testWorker(poll: .milliseconds(50)))
            #expect(await eventually { (try? await runtime.count("SELECT count(*) FROM notify.dead_jobs")) == 1 })
            try await Task.sleep(for: .milliseconds(500))
            try await worker.shutdown()
            #expect(try await runtime.count("SELECT count(*) FROM notify.probe_starts WHERE marker = 'doomed'") == 1)
            let code = try await runtime.rows("SELECT errors -> 0 ->> 'code' FROM notify.dead_jobs WHERE id = \(id)")
            #expect(try code[0].decode(String.self) == "probe_permanent")
        }
    }

    @Test("invalid input is a permanent failure that names the field")
    func invalidInputIsPermanent() async throws {
        try await TestRuntime.with(catalog: catalog()) { runtime in
            try await runtime.producer.enqueue(JobRequest(function: "probe", payload: #"{"marker": 42}"#))
            let worker = runtime.startWorker(testWorker(poll: .milliseconds(50)))
            #expect(await eventually { (try? await runtime.count("SELECT count(*) FROM notify.dead_jobs")) == 1 })
            try await worker.shutdown()
            let rows = try await runtime.rows(
                "SELECT errors -> 0 ->> 'code', errors -> 0 ->> 'message' FROM notify.dead_jobs")
            let (code, message) = try rows[0].decode((String, String).self)
            #expect(code == "invalid_input")
            #expect(message.contains("field \"marker\" must be a string"))
        }
    }

    @Test("rate-limited failures snooze without spending attempts")
    func rateLimitsSnooze() async throws {
        try await TestRuntime.with(catalog: catalog()) { runtime in
            // Six rate-limited answers and more: past the probe's four attempts, yet never dead.
            try await runtime.producer.enqueue(
                try .probe(
                    .init(
                        marker: "throttled", fail: "rate_limited", failTimes: 100, retryAfterMilliseconds: 50,
                        recordStart: true)))
            let worker = runtime.startWorker(testWorker(poll: .milliseconds(20)))
            #expect(
                await eventually {
                    (try? await runtime.count("SELECT count(*) FROM notify.probe_starts WHERE marker = 'throttled'"))
                        ?? 0 >= 6
                })
            try await worker.shutdown()
            #expect(try await runtime.count("SELECT count(*) FROM notify.dead_jobs") == 0)
            // Every start saw attempt 1: no attempt was spent on a 429.
            #expect(
                try await runtime.count("SELECT max(attempt) FROM notify.probe_starts WHERE marker = 'throttled'") == 1)
        }
    }
}
