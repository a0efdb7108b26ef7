import ArgumentParser
import AsyncHTTPClient
import Foundation
import NotifyModel
import NotifyPrivateCluster
import NotifyRuntime
import UnixSignals

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the system (build with -c release).",
        subcommands: [Runtime.self, Pipeline.self, Priority.self])

    struct Runtime: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "runtime",
            abstract: "Work throughput, enqueue throughput, pickup latency and NOTIFY cost of the job runtime.",
            discussion: """
                swift run -c release notify bench runtime --jobs 200000 --json
                Uses DATABASE_URL when set (a database notify_bench_<pid> is created on that server \
                and dropped afterwards), else a private PostgreSQL with fsync and synchronous_commit on. \
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
            BenchCommand.warnIfDebugBuild()
            let worker = try workerOptions.configuration(environment)
            let (signals, server, cluster) = try await BenchCommand.trappedServer(environment)
            let benchmark = RuntimeBenchmark(
                server: server, jobs: jobs, samples: samples, notifySeconds: notifySeconds,
                worker: worker, logger: environment.logger)
            let result: Result<RuntimeBenchmark.Report, any Error>
            do {
                result = .success(
                    try await BenchInterruption.run(logger: environment.logger, signals: signals) {
                        try await benchmark.run()
                    })
            } catch {
                result = .failure(error)
            }
            if let cluster { try? await cluster.stop() }
            let report = try result.get()
            print(json ? report.json() : report.text())
        }
    }

    /// DATABASE_URL's server, or a private durable cluster with ``serverSettings``, then the
    /// `name=value` pairs of `NOTIFY_BENCH_SERVER_SETTINGS` (comma-separated) over them.
    /// SIGINT and SIGTERM trapped (``BenchInterruption/trap()``), then the server: a signal while a
    /// private cluster starts is handled once the benchmark runs, so the cluster is still stopped
    /// and removed.
    static func trappedServer(
        _ environment: CommandEnvironment
    ) async throws -> (signals: UnixSignalsSequence, server: DatabaseURL, cluster: PrivateCluster?) {
        let signals = await BenchInterruption.trap()
        let (server, cluster) = try await server(environment)
        return (signals, server, cluster)
    }

    static func server(_ environment: CommandEnvironment) async throws -> (DatabaseURL, PrivateCluster?) {
        if let configured = environment.databaseURLString { return (try DatabaseURL(configured), nil) }
        do {
            var settings = serverSettings
            for (name, value) in try settingOverrides(
                environment.config.string(forKey: "notify.bench.server.settings", default: ""))
            {
                settings[name] = value
            }
            let cluster = try await PrivateCluster.start(
                .init(durable: true, settings: settings), logger: environment.logger)
            return (try DatabaseURL(cluster.localConnectionURL()), cluster)
        } catch let error as PrivateClusterError {
            fail(error.description)
        }
    }

    /// The private cluster's settings: fsync, synchronous_commit and full_page_writes on (the
    /// cluster's defaults), and these.
    ///
    /// - Checkpoints spaced out as on any server sized for a write-heavy queue.
    /// - Few shared buffers, each written back to the disk as soon as a backend evicts it
    ///   (`shared_buffers = 32MB`, `backend_flush_after = 256kB`). With 256 MB of buffers, the
    ///   kernel's page cache kept hundreds of megabytes of a campaign's new pages dirty and wrote
    ///   them back in one burst 30 s later, and every commit's WAL flush waited behind it: a
    ///   one-time passcode's p99 during a 1,000,000-recipient campaign was 191–341 ms, against
    ///   66–140 ms with these (see "The database server's write-back" in infra/README.md).
    /// - New WAL files zero-filled, PostgreSQL's default: with the settings above, a fresh
    ///   cluster's sparse WAL files (`wal_init_zero = off`, the setting of sessions 17–21) gave
    ///   that p99 98–207 ms against 74–112 ms in the same hours.
    static let serverSettings = [
        "max_wal_size": "4GB", "checkpoint_timeout": "30min",
        "shared_buffers": "32MB", "backend_flush_after": "256kB",
    ]

    /// The `name=value` pairs of a comma-separated list, for settings that replace the defaults
    /// (so a value cannot itself hold a comma).
    ///
    /// - Throws: `invalid_setting` for a pair without `=` or with an empty name.
    static func settingOverrides(_ text: String) throws(PrivateClusterError) -> [(String, String)] {
        var pairs: [(String, String)] = []
        for item in text.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map { String($0.trimmingBlanks()) }
            guard pair.count == 2, !pair[0].isEmpty else {
                throw PrivateClusterError(
                    .invalidSetting,
                    "NOTIFY_BENCH_SERVER_SETTINGS: `\(item)` is not name=value; "
                        + "write for example NOTIFY_BENCH_SERVER_SETTINGS=shared_buffers=256MB,backend_flush_after=0")
            }
            pairs.append((pair[0], pair[1]))
        }
        return pairs
    }

    /// Figures from a debug build mean little: say so on standard error.
    static func warnIfDebugBuild() {
        #if DEBUG
        FileHandle.standardError.write(
            Data("warning: this is a debug build; figures need `swift run -c release`\n".utf8))
        #endif
    }

    /// The HTTP client a pipeline benchmark uses for its API requests and provider calls, set up as
    /// the engine's own provider client is.
    static func httpClient(connectionsPerHost: Int) -> HTTPClient {
        HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: DeliverySupport.providerClientConfiguration(connectionsPerHost: connectionsPerHost))
    }

    struct Pipeline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pipeline",
            abstract: "Notifications per second through the HTTP API and the pipeline, and accept-to-inbox latency.",
            discussion: """
                swift run -c release notify bench pipeline --channel inapp --notifications 50000 --json
                Single-recipient notifications go through POST /v1/notifications, validate, \
                preference-filter, render and send-inapp, in this process, with the runtime's default \
                worker settings. Latency is measured from the API's 202 to the item's event on the \
                user's live inbox stream. --broadcast N adds a topic broadcast to N subscribers. \
                With --channel sms, email or push the notifications go through the real provider \
                client (Twilio, SendGrid, FCM) to the provider sandbox in this process, and latency \
                runs to the sandbox receiving the request; --sandbox-latency-ms slows the provider. \
                Uses DATABASE_URL when set, else a private PostgreSQL with fsync and synchronous_commit on.
                """)

        @Option(help: "The channel: inapp, or sms, email or push through the provider sandbox (Twilio, SendGrid, FCM).")
        var channel = "inapp"
        @Option(help: "Latency the sandbox adds to every provider request (sms, email, push).") var sandboxLatencyMs = 0
        @Option(help: "Notifications for the throughput figure.") var notifications = 20_000
        @Option(help: "Concurrent HTTP clients for the throughput figure.") var clients = 64
        @Option(help: "Latency samples (one notification at a time).") var samples = 300
        @Option(help: "Users the notifications are spread over.") var users = 10_000
        @Option(help: "Subscribers of a topic broadcast to measure (0 skips it).") var broadcast = 0
        @Option(
            help:
                "How the throughput phase produces: http (the API), sql (notify.send per notification, the pipeline alone) or sql-many (notify.send_many per 1,000)."
        )
        var producer = "http"
        @Option(
            help:
                "With --producer http and --channel inapp: notifications per request, sent to POST /v1/notifications/batch (default 1: POST /v1/notifications)."
        )
        var httpBatch = 1
        @Option(
            help:
                "With --producer sql or sql-many and --channel inapp: notifications per producer transaction (default 1000)."
        )
        var sqlBatch: Int?
        @Option(
            help: "With --producer sql or sql-many and --channel inapp: concurrent producer connections (default 1).")
        var sqlConnections: Int?
        @Flag(help: "Print one JSON object.") var json = false
        @OptionGroup var workerOptions: WorkerOptions

        func validate() throws {
            if sqlBatch != nil || sqlConnections != nil {
                guard BenchSQLProducer(rawValue: producer) != nil && channel == "inapp" else {
                    throw ValidationError(
                        "--sql-batch and --sql-connections apply only to --producer sql or sql-many with --channel inapp"
                    )
                }
                guard (1...10_000).contains(sqlBatch ?? 1000), (1...256).contains(sqlConnections ?? 1) else {
                    throw ValidationError("--sql-batch must be 1 to 10,000 and --sql-connections 1 to 256")
                }
            }
            guard httpBatch == 1 || (producer == "http" && channel == "inapp") else {
                throw ValidationError("--http-batch applies only to --producer http with --channel inapp")
            }
            guard (1...1000).contains(httpBatch) else { throw ValidationError("--http-batch must be 1 to 1,000") }
            guard ["inapp", "sms", "email", "push"].contains(channel) else {
                throw ValidationError("--channel must be inapp, sms, email or push")
            }
            guard sandboxLatencyMs >= 0 else { throw ValidationError("--sandbox-latency-ms must be 0 or more") }
            guard producer == "http" || BenchSQLProducer(rawValue: producer) != nil else {
                throw ValidationError("--producer must be http, sql or sql-many")
            }
            if notifications < 1 || clients < 1 || samples < 10 || users < 1 || broadcast < 0 {
                throw ValidationError(
                    "--notifications, --clients and --users must be at least 1, --samples at least 10")
            }
        }

        func run() async throws {
            let environment = CommandEnvironment()
            BenchCommand.warnIfDebugBuild()
            let worker = try workerOptions.configuration(environment)
            let (signals, server, cluster) = try await BenchCommand.trappedServer(environment)
            // Enough connections for the HTTP clients and for provider requests to a slow sandbox.
            let http = BenchCommand.httpClient(connectionsPerHost: max(clients + 2, 1024))
            if let channel = NotifyModel.Channel(rawValue: channel), channel != .inapp {
                let benchmark = ChannelBenchmark(
                    server: server, channel: channel, notifications: notifications, clients: clients, samples: samples,
                    users: users, producer: producer, sandboxLatencyMs: sandboxLatencyMs,
                    worker: worker, logger: environment.logger, http: http)
                let result: Result<ChannelBenchmark.Report, any Error>
                do {
                    result = .success(
                        try await BenchInterruption.run(logger: environment.logger, signals: signals) {
                            try await benchmark.run()
                        })
                } catch {
                    result = .failure(error)
                }
                try? await http.shutdown()
                if let cluster { try? await cluster.stop() }
                let report = try result.get()
                print(json ? report.json() : report.text())
                return
            }
            let benchmark = PipelineBenchmark(
                server: server, notifications: notifications, clients: clients, samples: samples, users: users,
                broadcast: broadcast, producer: producer, httpBatch: httpBatch, sqlBatch: sqlBatch ?? 1000,
                sqlConnections: sqlConnections ?? 1,
                worker: worker,
                logger: environment.logger,
                http: http)
            let result: Result<PipelineBenchmark.Report, any Error>
            do {
                result = .success(
                    try await BenchInterruption.run(logger: environment.logger, signals: signals) {
                        try await benchmark.run()
                    })
            } catch {
                result = .failure(error)
            }
            try? await http.shutdown()
            if let cluster { try? await cluster.stop() }
            let report = try result.get()
            print(json ? report.json() : report.text())
        }
    }

    struct Priority: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "priority",
            abstract: "A campaign blast expanded and queued, and OTP latency while it drains.",
            discussion: """
                swift run -c release notify bench priority --blast 1000000 --channel push --json
                Seeds N users with FCM devices subscribed to a topic, posts a campaign to it (no rate \
                limit) and times its expansion and queueing; then sends OTPs (a critical category) \
                through the API at --otp-rate per second for --otp-seconds while the campaign drains, \
                and measures each from its POST to the FCM sandbox receiving it. One process: API, \
                worker, FCM client, sandbox. Uses DATABASE_URL when set, else a private PostgreSQL \
                with fsync and synchronous_commit on.
                """)

        @Option(help: "Recipients of the campaign.") var blast = 1_000_000
        @Option(help: "The channel (push: FCM through the sandbox).") var channel = "push"
        @Option(help: "OTP notifications per second during the drain.") var otpRate = 50
        @Option(help: "Seconds of OTP traffic.") var otpSeconds = 30
        @Option(help: "The campaign's send rate in messages per second (default: none, as fast as it can).")
        var blastRate: Int?
        @Option(
            help:
                "Run the campaign's work in a separate `notify work --min-lane transactional` process under `nice -n` this value; this process keeps only the critical lane (default: one process)."
        )
        var bulkProcessNice: Int?
        @Flag(help: "Print one JSON object.") var json = false
        @OptionGroup var workerOptions: WorkerOptions

        func validate() throws {
            guard channel == "push" else { throw ValidationError("--channel must be push") }
            if let bulkProcessNice, !(0...19).contains(bulkProcessNice) {
                throw ValidationError("--bulk-process-nice must be 0 to 19 (got \(bulkProcessNice))")
            }
            if let blastRate, !(1...100_000).contains(blastRate) {
                throw ValidationError("--blast-rate must be 1 to 100,000 messages per second (got \(blastRate))")
            }
            guard blast >= 1 && blast <= 10_000_000 else { throw ValidationError("--blast must be 1 to 10,000,000") }
            guard (1...1000).contains(otpRate) else { throw ValidationError("--otp-rate must be 1 to 1000") }
            guard (1...600).contains(otpSeconds) else { throw ValidationError("--otp-seconds must be 1 to 600") }
        }

        func run() async throws {
            let environment = CommandEnvironment()
            BenchCommand.warnIfDebugBuild()
            let worker = try workerOptions.configuration(environment)
            let (signals, server, cluster) = try await BenchCommand.trappedServer(environment)
            let http = BenchCommand.httpClient(connectionsPerHost: 1024)
            let benchmark = PriorityBenchmark(
                server: server, blast: blast, blastRate: blastRate, bulkProcessNiceness: bulkProcessNice,
                otpRate: otpRate, otpSeconds: otpSeconds,
                worker: worker, logger: environment.logger, http: http)
            let result: Result<PriorityBenchmark.Report, any Error>
            do {
                result = .success(
                    try await BenchInterruption.run(logger: environment.logger, signals: signals) {
                        try await benchmark.run()
                    })
            } catch {
                result = .failure(error)
            }
            try? await http.shutdown()
            if let cluster { try? await cluster.stop() }
            let report = try result.get()
            print(json ? report.json() : report.text())
        }
    }
}
