import Foundation
import NotifyFunctionKit
import NotifyRuntime
import NotifyTestSupport
import PostgresNIO
import ProbeFunction
import Testing

/// Real `notify` processes against real PostgreSQL: crashes, competition and signals.
@Suite("Worker processes", .serialized, .timeLimit(.minutes(5)))
struct ProcessTests {
    static func probeCatalog() -> FunctionCatalog {
        var catalog = FunctionCatalog()
        catalog.register(ProbeFunction())
        return catalog
    }

    @Test("a worker setting out of range in the environment stops the process with a message naming it")
    func aBadEnvironmentSettingIsRefused() async throws {
        try await TestRuntime.with(catalog: Self.probeCatalog()) { runtime in
            for (variable, value, message) in [
                ("NOTIFY_CRITICAL_TARGET_MS", "-5", "NOTIFY_CRITICAL_TARGET_MS must be at least 0; got -5"),
                ("NOTIFY_CONCURRENCY", "0", "NOTIFY_CONCURRENCY must be at least 1; got 0"),
            ] {
                let worker = try await NotifyProcess.start(
                    ["work", "--functions", "probe", "--no-lead"], databaseURL: runtime.url.secretURLString,
                    environment: [variable: value])
                let status = await worker.waitForExit()
                #expect(status != 0)
                #expect(worker.log.contains(message), "log: \(worker.log)")
            }
        }
    }

    @Test("benchmark options that do not apply to the chosen producer or channel are refused, naming them")
    func benchOptionsThatDoNotApplyAreRefused() async throws {
        for arguments in [
            ["bench", "pipeline", "--sql-batch", "1"],
            ["bench", "pipeline", "--channel", "sms", "--producer", "sql", "--sql-connections", "4"],
        ] {
            let bench = try await NotifyProcess.start(arguments, databaseURL: "postgres://unused@127.0.0.1:1/none")
            #expect(await bench.waitForExit() != 0)
            #expect(
                bench.log.contains(
                    "--sql-batch and --sql-connections apply only to --producer sql or sql-many with --channel inapp"),
                "log: \(bench.log)")
        }
        let bench = try await NotifyProcess.start(
            ["bench", "pipeline", "--producer", "sql_many"], databaseURL: "postgres://unused@127.0.0.1:1/none")
        #expect(await bench.waitForExit() != 0)
        #expect(bench.log.contains("--producer must be http, sql or sql-many"), "log: \(bench.log)")
    }

    @Test("the in-app pipeline benchmark with notify.send_many as its producer delivers every notification")
    func aPipelineBenchmarkWithTheBulkSQLProducerDeliversEverything() async throws {
        let bench = try await NotifyProcess.start(
            [
                "bench", "pipeline", "--producer", "sql-many", "--notifications", "2500", "--sql-batch", "1000",
                "--users", "50", "--samples", "10", "--json",
            ],
            databaseURL: nil)
        #expect(await bench.waitForExit() == 0, "log: \(bench.log)")
        // The report is the last thing printed; its first line is a lone "{".
        let log = bench.log
        let start = try #require(log.range(of: "\n{\n", options: .backwards), "log: \(log)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(log[start.lowerBound...].utf8)) as? [String: Any])
        #expect(report["notifications"] as? Int == 2500)
        #expect(report["producer"] as? String == "sql-many")
        #expect((report["notifications_per_second"] as? Double ?? 0) > 0)
        #expect((report["notes"] as? [String])?.first?.contains("notify.send_many") == true)
        // What limits the rate: how busy the machine was, and the rate this CPU per notification allows.
        let cost = try #require(report["cost_per_notification"] as? [String: Any], "report: \(report)")
        let busy = try #require(cost["machine_busy_percent"] as? Double, "cost: \(cost)")
        #expect(busy > 0 && busy <= 100)
        let engine = try #require(cost["engine_cpu_ms"] as? Double)
        let postgres = try #require(cost["postgres_cpu_ms"] as? Double)
        let bound = try #require(cost["cpu_bound_per_second"] as? Double, "cost: \(cost)")
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        #expect(abs(bound - cores * 1000 / (engine + postgres)) <= 1)
        // Every notification writes its rows, so the server wrote some WAL for each.
        let wal = try #require(cost["wal_bytes"] as? Double, "cost: \(cost)")
        #expect(wal > 100)
    }

    @Test("a benchmark cluster setting that is not name=value is refused, naming it")
    func benchServerSettingsThatAreNotPairsAreRefused() async throws {
        let bench = try await NotifyProcess.start(
            ["bench", "priority", "--blast", "10"], databaseURL: nil,
            environment: ["NOTIFY_BENCH_SERVER_SETTINGS": "shared_buffers=32MB,backend_flush_after"])
        #expect(await bench.waitForExit() != 0)
        #expect(
            bench.log.contains("NOTIFY_BENCH_SERVER_SETTINGS: `backend_flush_after` is not name=value"),
            "log: \(bench.log)")
    }

    @Test("an interrupted benchmark stops its private cluster and exits with an error that names the signal")
    func anInterruptedBenchmarkStopsItsCluster() async throws {
        let bench = try await NotifyProcess.start(
            ["bench", "priority", "--blast", "20000", "--channel", "push"], databaseURL: nil)
        let deadline = ContinuousClock.now + .seconds(300)
        while !bench.log.contains("provider sandbox listening") {
            #expect(!bench.hasExited, "log: \(bench.log)")
            if ContinuousClock.now > deadline {
                Issue.record("the benchmark's sandbox did not start within 300 s; log: \(bench.log)")
                await bench.stop()
            }
            if bench.hasExited || ContinuousClock.now > deadline { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        bench.signal(SIGINT)
        #expect(await bench.waitForExit() == 1)
        #expect(bench.log.contains("the benchmark was interrupted by SIGINT"), "log: \(bench.log)")
        try Self.expectClusterRemoved(bench, naming: "private PostgreSQL cluster stopped")
    }

    @Test("a channel benchmark interrupted while it sends stops its cluster and exits with an error")
    func aChannelBenchmarkInterruptedWhileSendingStops() async throws {
        let bench = try await NotifyProcess.start(
            ["bench", "pipeline", "--channel", "sms", "--producer", "sql", "--notifications", "200000"],
            databaseURL: nil)
        guard
            try await Self.waitForLog(
                bench, "became scheduler leader", within: .seconds(300), every: .milliseconds(100),
                orRecord: "the benchmark did not start sending")
        else { return }
        try await Task.sleep(for: .seconds(2))  // providers are being called
        let signalled = ContinuousClock.now
        bench.signal(SIGTERM)
        #expect(await bench.waitForExit() == 1)
        // The stack stops gracefully and by itself: the measurement is cancelled, the worker
        // drains on connections that stay open until it has stopped, and nothing is left behind
        // (BenchInterruption.gracefulLimit and abandonAfter).
        #expect(ContinuousClock.now - signalled < .seconds(20))
        #expect(bench.log.contains("worker stopped"), "log: \(bench.log)")
        #expect(!bench.log.contains("did not stop in time"), "log: \(bench.log)")
        // Stopped gracefully, as at the end of a run: no server or job is cut off.
        #expect(!bench.log.contains(" error "), "log: \(bench.log)")
        #expect(!bench.log.contains("releasing unfinished jobs"), "log: \(bench.log)")
        #expect(bench.log.contains("the benchmark was interrupted by SIGTERM"), "log: \(bench.log)")
        try Self.expectClusterRemoved(bench, naming: "private PostgreSQL cluster stopped")
    }

    @Test("a benchmark interrupted while its private cluster starts still stops and removes the cluster")
    func aBenchmarkInterruptedWhileItsClusterStartsRemovesIt() async throws {
        let bench = try await NotifyProcess.start(
            ["bench", "pipeline", "--channel", "sms", "--notifications", "1000"], databaseURL: nil)
        guard
            try await Self.waitForLog(
                bench, "creating a PostgreSQL cluster with initdb", within: .seconds(120), every: .milliseconds(20),
                orRecord: "the benchmark did not start its cluster")
        else { return }
        bench.signal(SIGINT)
        #expect(await bench.waitForExit() == 1)
        #expect(bench.log.contains("the benchmark was interrupted by SIGINT"), "log: \(bench.log)")
        #expect(bench.log.contains("private PostgreSQL cluster stopped"), "log: \(bench.log)")
        try Self.expectClusterRemoved(bench, naming: "creating a PostgreSQL cluster")
    }

    /// Waits until `bench`'s log contains `line`, looking `every` so often; should the process exit
    /// or `limit` pass first, records `problem` with the log, stops the process and returns false.
    static func waitForLog(
        _ bench: NotifyProcess, _ line: String, within limit: Duration, every interval: Duration,
        orRecord problem: String
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while !bench.log.contains(line) {
            if bench.hasExited || ContinuousClock.now > deadline {
                Issue.record("\(problem); log: \(bench.log)")
                await bench.stop()
                return false
            }
            try await Task.sleep(for: interval)
        }
        return true
    }

    /// Expects the folder of the private cluster named on the benchmark's log line containing
    /// `line` (its `pgdata=`) to be gone.
    static func expectClusterRemoved(_ bench: NotifyProcess, naming line: String) throws {
        let folder = try #require(
            bench.log.split(separator: "\n").first { $0.contains(line) }?
                .split(separator: " ").first { $0.hasPrefix("pgdata=") }?.dropFirst("pgdata=".count),
            "log: \(bench.log)")
        #expect(!FileManager.default.fileExists(atPath: String(folder)), "the cluster's folder \(folder) is left")
    }

    @Test("three worker processes drain 10,000 jobs: every job runs exactly once, none is lost")
    func severalProcessesDrainOnce() async throws {
        try await TestRuntime.with(catalog: Self.probeCatalog()) { runtime in
            for batch in 0..<10 {
                try await runtime.producer.enqueue(
                    try (0..<1000).map {
                        try JobRequest(
                            function: "probe",
                            input: ProbeFunction.Input(marker: "drain-\(batch)-\($0)", recordStart: true))
                    })
            }
            var workers: [NotifyProcess] = []
            for _ in 0..<3 {
                workers.append(
                    try await NotifyProcess.start(
                        ["work", "--functions", "probe", "--concurrency", "64", "--no-lead"],
                        databaseURL: runtime.url.secretURLString))
            }
            let drained = await eventually(timeout: .seconds(120), every: .milliseconds(200)) {
                (try? await runtime.count("SELECT count(*) FROM notify.jobs")) == 0
            }
            for worker in workers { worker.signal(SIGTERM) }
            var statuses: [Int32] = []
            for worker in workers { statuses.append(await worker.waitForExit()) }
            #expect(drained, "\(workers.map(\.log).joined(separator: "\n"))")
            #expect(statuses == [0, 0, 0])
            #expect(try await runtime.count("SELECT count(*) FROM notify.probe_runs") == 10_000)
            #expect(try await runtime.count("SELECT count(DISTINCT job_id) FROM notify.probe_runs") == 10_000)
            #expect(try await runtime.count("SELECT count(*) FROM notify.probe_starts") == 10_000)
            // Work was shared: every process ran some.
            #expect(try await runtime.count("SELECT count(DISTINCT pid) FROM notify.probe_runs") == 3)
        }
    }

    @Test(
        "a worker killed with SIGKILL mid-job: the job runs again after its lease expires; the killed attempt's output was never committed"
    )
    func killedWorkerJobRunsAgain() async throws {
        try await TestRuntime.with(catalog: Self.probeCatalog()) { runtime in
            let id = try await runtime.producer.enqueue(
                try JobRequest(
                    function: "probe",
                    input: ProbeFunction.Input(marker: "victim", sleepMilliseconds: 3000, recordStart: true)))
            let doomed = try await NotifyProcess.start(
                ["work", "--functions", "probe", "--lease-ms", "1500", "--no-lead"],
                databaseURL: runtime.url.secretURLString)
            #expect(await eventually { (try? await runtime.count("SELECT count(*) FROM notify.probe_starts")) == 1 })
            doomed.signal(SIGKILL)
            #expect(await doomed.waitForExit() == SIGKILL)
            let survivor = try await NotifyProcess.start(
                ["work", "--functions", "probe", "--lease-ms", "1500", "--leader-interval-ms", "200"],
                databaseURL: runtime.url.secretURLString)
            let rerun = await eventually(timeout: .seconds(20)) {
                (try? await runtime.count("SELECT count(*) FROM notify.probe_runs")) == 1
            }
            survivor.signal(SIGTERM)
            #expect(await survivor.waitForExit() == 0)
            #expect(rerun, "\(survivor.log)")
            let runs = try await runtime.rows("SELECT attempt, pid FROM notify.probe_runs WHERE job_id = \(id)")
            let (attempt, pid) = try runs[0].decode((Int, Int32).self)
            #expect(attempt == 2)
            #expect(pid == survivor.pid)
            #expect(try await runtime.count("SELECT count(*) FROM notify.probe_starts WHERE job_id = \(id)") == 2)
            let errors = try await runtime.rows("SELECT count(*) FROM notify.jobs")
            #expect(try errors[0].decode(Int.self) == 0)
        }
    }

    @Test(
        "two processes compete for leadership; SIGKILL the leader and the other leads within 5 s; ticks never overlap")
    func leaderTakeover() async throws {
        try await TestRuntime.with(catalog: Self.probeCatalog()) { runtime in
            let arguments = ["work", "--functions", "probe", "--leader-interval-ms", "200"]
            let first = try await NotifyProcess.start(arguments, databaseURL: runtime.url.secretURLString)
            #expect(await eventually { (try? await runtime.count("SELECT term FROM notify.leader")) == 1 })
            let second = try await NotifyProcess.start(arguments, databaseURL: runtime.url.secretURLString)
            try await Task.sleep(for: .seconds(1))
            let holder = try await runtime.rows("SELECT holder FROM notify.leader")[0].decode(String.self)
            let (leader, follower) = holder.contains(":\(first.pid):") ? (first, second) : (second, first)
            #expect(holder.contains(":\(leader.pid):"))
            #expect(try await runtime.count("SELECT term FROM notify.leader") == 1)

            leader.signal(SIGKILL)
            let killedAt = ContinuousClock.now
            _ = await leader.waitForExit()
            let tookOver = await eventually(timeout: .seconds(5), every: .milliseconds(20)) {
                let row = try? await runtime.rows("SELECT term, holder FROM notify.leader")[0].decode(
                    (Int, String).self)
                return row?.0 == 2 && row?.1.contains(":\(follower.pid):") == true
            }
            #expect(tookOver)
            #expect(ContinuousClock.now - killedAt < .seconds(5))
            #expect(
                await eventually {
                    (try? await runtime.count("SELECT count(*) FROM notify.leader_ticks WHERE term = 2")) ?? 0 >= 3
                })
            follower.signal(SIGTERM)
            #expect(await follower.waitForExit() == 0)
            // No two ticks overlap in time, and terms never go back.
            let overlaps = try await runtime.count(
                """
                SELECT count(*) FROM notify.leader_ticks a JOIN notify.leader_ticks b
                  ON a.ctid < b.ctid AND tstzrange(a.started_at, a.finished_at) && tstzrange(b.started_at, b.finished_at)
                """)
            #expect(overlaps == 0)
            #expect(try await runtime.count("SELECT count(DISTINCT term) FROM notify.leader_ticks") == 2)
        }
    }

    @Test("SIGTERM with jobs in flight: they finish, nothing new is claimed, exit status 0")
    func sigtermDrains() async throws {
        try await TestRuntime.with(catalog: Self.probeCatalog()) { runtime in
            // Long enough to still be running when SIGTERM comes on a slow machine: a job that
            // finished first would free a slot that the late job could take before the signal.
            try await runtime.producer.enqueue(
                try (0..<3).map {
                    try JobRequest(
                        function: "probe",
                        input: ProbeFunction.Input(marker: "inflight-\($0)", sleepMilliseconds: 4000, recordStart: true)
                    )
                })
            let worker = try await NotifyProcess.start(
                ["work", "--functions", "probe", "--concurrency", "3", "--no-lead"],
                databaseURL: runtime.url.secretURLString,
                environment: ["NOTIFY_RESERVED_CRITICAL": "0"])
            #expect(await eventually { (try? await runtime.count("SELECT count(*) FROM notify.probe_starts")) == 3 })
            try await runtime.producer.enqueue(
                try JobRequest(function: "probe", input: ProbeFunction.Input(marker: "after-term", recordStart: true)))
            worker.signal(SIGTERM)
            #expect(await worker.waitForExit() == 0, "\(worker.log)")
            #expect(
                try await runtime.count("SELECT count(*) FROM notify.probe_runs WHERE marker LIKE 'inflight-%'") == 3)
            #expect(
                try await runtime.count("SELECT count(*) FROM notify.probe_starts WHERE marker = 'after-term'") == 0)
            #expect(try await runtime.count("SELECT count(*) FROM notify.jobs WHERE state = 'ready'") == 1)
        }
    }
}
