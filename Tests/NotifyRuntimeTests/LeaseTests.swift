import Foundation
import NotifyFunctionKit
import NotifyRuntime
import NotifyTestSupport
import PostgresNIO
import Testing

@Suite("Leases, fencing and graceful shutdown", .timeLimit(.minutes(3)))
struct LeaseTests {
    @Test("a worker whose lease expired and was taken over cannot complete the job: its output is discarded")
    func staleWorkerOutputIsDiscarded() async throws {
        try await TestRuntime.with(catalog: catalog()) { runtime in
            let id = try await runtime.producer.enqueue(
                try .probe(.init(marker: "slow", sleepMilliseconds: 2500, recordStart: true)))
            // Worker A: one slot, short lease, no heartbeats, so its lease runs out while it works
            // and it cannot take the job back itself.
            let first = runtime.startWorker(
                testWorker(concurrency: 1, lease: .milliseconds(500), heartbeat: .seconds(3600), reserved: 0))
            #expect(await eventually { (try? await runtime.count("SELECT count(*) FROM notify.probe_starts")) == 1 })
            // The leader rescues the expired lease; worker B takes the job over (fence + 1).
            let leader = runtime.startLeader()
            let second = runtime.startWorker(testWorker(lease: .seconds(30)))
            #expect(
                await eventually(timeout: .seconds(15)) {
                    (try? await runtime.count("SELECT count(*) FROM notify.probe_runs WHERE marker = 'slow'")) == 1
                })
            try await Task.sleep(for: .seconds(1))  // both attempts have finished by now
            await leader.cancel()
            try await first.shutdown()
            try await second.shutdown()
            let runs = try await runtime.rows("SELECT attempt FROM notify.probe_runs WHERE job_id = \(id)")
            #expect(try runs.map { try $0.decode(Int.self) } == [2])
            #expect(try await runtime.count("SELECT count(*) FROM notify.probe_starts WHERE job_id = \(id)") == 2)
            #expect(try await runtime.count("SELECT count(*) FROM notify.jobs") == 0)
        }
    }

    @Test("heartbeats keep a long job's lease alive")
    func heartbeatsExtendLeases() async throws {
        try await TestRuntime.with(catalog: catalog()) { runtime in
            let id = try await runtime.producer.enqueue(
                try .probe(.init(marker: "long", sleepMilliseconds: 2500, recordStart: true)))
            let worker = runtime.startWorker(testWorker(lease: .milliseconds(900), heartbeat: .milliseconds(200)))
            let leader = runtime.startLeader()
            #expect(
                await eventually(timeout: .seconds(10)) {
                    (try? await runtime.count("SELECT count(*) FROM notify.probe_runs WHERE job_id = \(id)")) == 1
                })
            await leader.cancel()
            try await worker.shutdown()
            #expect(try await runtime.count("SELECT count(*) FROM notify.probe_starts WHERE job_id = \(id)") == 1)
        }
    }

    @Test("graceful shutdown: in-flight jobs finish, nothing new is claimed, unfinished jobs are claimable at once")
    func gracefulShutdown() async throws {
        try await TestRuntime.with(catalog: catalog()) { runtime in
            try await runtime.producer.enqueue(
                // Long enough to still be running when the late jobs arrive on a slow machine: a job
                // that finished first would free a slot that a late job could take before shutdown.
                try (0..<4).map {
                    try .probe(.init(marker: "finishing-\($0)", sleepMilliseconds: 2000, recordStart: true))
                })
            let worker = runtime.startWorker(testWorker(concurrency: 4, grace: .seconds(5), reserved: 0))
            #expect(await eventually { (try? await runtime.count("SELECT count(*) FROM notify.probe_starts")) == 4 })
            // More work arrives, then SIGTERM-equivalent.
            try await runtime.producer.enqueue(
                try (0..<4).map { try .probe(.init(marker: "late-\($0)", recordStart: true)) })
            try await worker.shutdown()
            #expect(
                try await runtime.count("SELECT count(*) FROM notify.probe_runs WHERE marker LIKE 'finishing-%'") == 4)
            #expect(try await runtime.count("SELECT count(*) FROM notify.probe_starts WHERE marker LIKE 'late-%'") == 0)
            #expect(
                try await runtime.count("SELECT count(*) FROM notify.jobs WHERE state = 'ready' AND run_at <= now()")
                    == 4)

            // Past the grace period, running jobs are cancelled and released with their attempt refunded.
            try await runtime.producer.enqueue(
                try .probe(.init(marker: "stuck", sleepMilliseconds: 60_000, recordStart: true)))
            let impatient = runtime.startWorker(testWorker(concurrency: 8, grace: .milliseconds(300)))
            #expect(
                await eventually {
                    (try? await runtime.count("SELECT count(*) FROM notify.probe_starts WHERE marker = 'stuck'")) == 1
                })
            try await impatient.shutdown()
            let rows = try await runtime.rows(
                "SELECT state, attempt, run_at <= now() FROM notify.jobs WHERE payload->>'marker' = 'stuck'")
            let (state, attempt, claimable) = try rows[0].decode((String, Int, Bool).self)
            #expect(state == "ready")
            #expect(attempt == 0)
            #expect(claimable)
        }
    }
}
