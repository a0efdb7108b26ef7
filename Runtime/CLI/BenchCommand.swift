import ArgumentParser
import Foundation
import NotifyPrivateCluster
import NotifyRuntime

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the system (build with -c release).",
        subcommands: [Runtime.self])

    struct Runtime: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "runtime",
            abstract: "Work throughput, enqueue throughput, pickup latency and NOTIFY cost of the job runtime.",
            discussion: """
                swift run -c release notify bench runtime --jobs 200000 --json
                Uses DATABASE_URL when set (a database notify_bench_<pid> is created on that server
                and dropped afterwards), else a private PostgreSQL with fsync and synchronous_commit on.
                The worker runs with its default settings unless worker options are given.
                """)

        @Option(help: "Jobs to enqueue and drain for the throughput figures.")
        var jobs = 100_000

        @Option(help: "Pickup latency samples (one job at a time on an idle queue).")
        var samples = 400

        @Option(help: "Seconds per mode of the NOTIFY cost measurement (0 skips it).")
        var notifySeconds = 3

        @Flag(help: "Print one JSON object.")
        var json = false

        @OptionGroup var workerOptions: WorkerOptions

        func validate() throws {
            if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
            if samples < 10 { throw ValidationError("--samples must be at least 10") }
            if notifySeconds < 0 { throw ValidationError("--notify-seconds must be 0 or more") }
        }

        func run() async throws {
            let environment = CommandEnvironment()
            #if DEBUG
            FileHandle.standardError.write(
                Data("warning: this is a debug build; figures need `swift run -c release`\n".utf8))
            #endif
            var cluster: PrivateCluster?
            let server: DatabaseURL
            if let configured = environment.databaseURLString {
                server = try DatabaseURL(configured)
            } else {
                do {
                    // fsync and synchronous_commit stay on; checkpoints are spaced out as on any
                    // server sized for a write-heavy queue, so one does not land mid-measurement.
                    cluster = try await PrivateCluster.start(
                        .init(durable: true, settings: ["max_wal_size": "4GB", "checkpoint_timeout": "30min"]),
                        logger: environment.logger)
                } catch let error as PrivateClusterError {
                    fail(error.description)
                }
                server = try DatabaseURL(cluster!.connectionURL())
            }
            let benchmark = RuntimeBenchmark(
                server: server, jobs: jobs, samples: samples, notifySeconds: notifySeconds,
                worker: workerOptions.configuration(environment), logger: environment.logger)
            let result: Result<RuntimeBenchmark.Report, any Error>
            do {
                result = .success(try await benchmark.run())
            } catch {
                result = .failure(error)
            }
            if let cluster { try? await cluster.stop() }
            let report = try result.get()
            print(json ? report.json() : report.text())
        }
    }
}
