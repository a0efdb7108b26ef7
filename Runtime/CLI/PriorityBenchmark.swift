import AsyncHTTPClient
import Foundation
import Logging
import NotifyAPI
import NotifyDelivery
import NotifyFunctionKit
import NotifyModel
import NotifyProviders
import NotifyRuntime
import NotifySandbox
import PostgresNIO
import Synchronization

/// `notify bench priority --blast N --channel push`: a campaign to an N-subscriber topic, and
/// one-time passcodes sent through the API at a steady rate while the campaign drains.
///
/// 1. `blast_expand_seconds`: from `POST /v1/campaigns` until every recipient has its delivery
///    (`expanded`); `blast_queued_seconds`: until, expanded, it has also started releasing
///    recipients to the pipeline (its pacer keeps the pipeline's backlog bounded, so release
///    goes on through the drain).
/// 2. OTPs (a critical transactional category) at `--otp-rate` per second for `--otp-seconds`,
///    each from its `POST /v1/notifications` to the FCM sandbox receiving its request:
///    `otp_latency_ms`. They start once the campaign is queued, so they compete with its drain.
/// 3. `blast_notifications_per_second`: campaign pushes the sandbox accepted per second during
///    the OTP window.
///
/// Everything runs in this process: the API, one worker with every pipeline function, the FCM
/// client and the sandbox, on one private PostgreSQL.
struct PriorityBenchmark {
    let server: DatabaseURL
    let blast: Int
    /// The campaign's `rate_per_second`; nil sends as fast as the engine can.
    let blastRate: Int?
    /// When set, the campaign's work runs in a separate `notify work --min-lane transactional`
    /// process under `nice -n` this value, and this process's worker keeps only the critical lane.
    let bulkProcessNiceness: Int?
    let otpRate: Int
    let otpSeconds: Int
    let worker: WorkerConfiguration
    let logger: Logger
    let http: HTTPClient

    struct Report: BenchmarkReport {
        var channel = "push"
        var blastRecipients = 0
        var blastExpandSeconds = 0.0
        var blastQueuedSeconds = 0.0
        var blastNotificationsPerSecond = 0.0
        var otpSent = 0
        var otpReceived = 0
        var otpRatePerSecond = 0
        var otpLatencyMs = RuntimeBenchmark.Percentiles([])
        /// From each OTP's `accepted` event to its first event of each later kind (`expanded`,
        /// `sent`, …), by the database's clock: where in the pipeline the tail comes from.
        var otpStageMs: [String: TimelineStage] = [:]
        var peakRSSMegabytes = 0.0
        var settings: [String: String] = [:]
        var notes: [String] = []

        enum CodingKeys: String, CodingKey {
            case channel, settings, notes
            case blastRecipients = "blast_recipients"
            case blastExpandSeconds = "blast_expand_seconds"
            case blastQueuedSeconds = "blast_queued_seconds"
            case blastNotificationsPerSecond = "blast_notifications_per_second"
            case otpSent = "otp_sent"
            case otpReceived = "otp_received"
            case otpRatePerSecond = "otp_rate_per_second"
            case otpLatencyMs = "otp_latency_ms"
            case otpStageMs = "otp_stage_ms"
            case peakRSSMegabytes = "peak_rss_mb"
        }

        func text() -> String {
            """
            blast:  \(blastRecipients) recipients expanded in \(blastExpandSeconds) s, queued in \(blastQueuedSeconds) s; draining at \(Int(blastNotificationsPerSecond))/s
            otp:    \(otpReceived)/\(otpSent) at \(otpRatePerSecond)/s, latency p50 \(otpLatencyMs.p50) ms, p99 \(otpLatencyMs.p99) ms, max \(otpLatencyMs.max) ms
            peak RSS: \(peakRSSMegabytes) MB
            """
        }
    }

    func run() async throws -> Report {
        try await BenchDatabase.with(server: server, logger: logger) { url in try await measure(url) }
    }

    private func measure(_ url: DatabaseURL) async throws -> Report {
        let client = PostgresClient(configuration: url.clientConfiguration(applicationName: "notify-bench"))
        var sandboxConfiguration = SandboxConfiguration()
        sandboxConfiguration.messageCapacity = 20_000
        let sandbox = try ProviderSandbox(configuration: sandboxConfiguration, logger: logger)
        return try await client.whileRunning {
            try await Migrator(client: client, logger: logger).migrate()
            let keys = BulkWorkerProcess.Keys.generate()
            let (cipher, hasher) = (try keys.cipher(), try keys.hasher())
            let engine = BenchSupport.engine(http: http, cipher: cipher, hasher: hasher)
            let everything = FunctionDirectory.catalog(delivery: nil)
            var catalog = try everything.restricted(to: [
                "validate", "preference-filter", "render", "campaign-expand", "campaign-release",
            ])
            FunctionDirectory.registerSender(for: .push, engine: engine, in: &catalog)
            try await everything.publish(to: client, logger: logger)
            let producer = JobProducer(client: client, catalog: everything, logger: logger)
            var ownWorker = worker
            if bulkProcessNiceness != nil { ownWorker.maxLane = .critical }
            let bulkWorker = try bulkProcessNiceness.map { niceness in
                try BulkWorkerProcess(
                    databaseURL: url, keys: keys, niceness: niceness, functions: catalog.names.map(\.rawValue))
            }
            var stack = BenchStack(
                url: url, client: client, producer: producer, catalog: catalog, cipher: cipher, hasher: hasher,
                worker: ownWorker, logger: logger)
            stack.supportingServices = [sandbox]
            let otpUsers = otpRate * otpSeconds
            let result: Result<Report, any Error>
            do {
                result = .success(
                    try await stack.run { base in
                        let key = try await PriorityBenchmarkSeed(
                            client: client, cipher: cipher, hasher: hasher, logger: logger
                        )
                        .seed(blast: blast, otpUsers: otpUsers, sandbox: sandbox)
                        guard bulkWorker?.isRunning ?? true else {
                            throw BenchError("the campaign worker process exited; run it alone to see why")
                        }
                        var report = try await figures(base: base, key: key, client: client, sandbox: sandbox)
                        if let niceness = bulkProcessNiceness {
                            report.settings["bulk_process_nice"] = String(niceness)
                            report.notes.append(
                                "campaign work (transactional and bulk lanes) in a separate `notify work --min-lane transactional` process under `nice -n \(niceness)`; this process's worker claims only the critical lane"
                            )
                        }
                        return report
                    })
            } catch {
                result = .failure(error)
            }
            await bulkWorker?.stop()
            return try result.get()
        }
    }

    private func figures(
        base: String, key: String, client: PostgresClient, sandbox: ProviderSandbox
    ) async throws -> Report {
        var report = Report()
        report.blastRecipients = blast
        report.otpRatePerSecond = otpRate
        report.settings = try await BenchSupport.settings(client, worker: worker, logger: logger)
        report.settings["worker_concurrency"] = "\(worker.concurrency)"
        report.settings["critical_target_ms"] =
            worker.criticalCompletionTarget.map { "\(Int($0.inSeconds * 1000))" } ?? "off"
        report.settings["blast_rate_per_second"] = blastRate.map(String.init) ?? "unlimited"
        for name in ["dirty_background_bytes", "dirty_background_ratio", "dirty_expire_centisecs"] {
            // This machine's kernel write-back, which shapes the OTP tail when PostgreSQL runs here.
            let value = try? String(contentsOfFile: "/proc/sys/vm/\(name)", encoding: .utf8)
            report.settings["host_vm_\(name)"] = value?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
        }
        let rate = blastRate.map { #","rate_per_second":\#($0)"# } ?? ""

        let start = ContinuousClock.now
        let created = try await BenchSupport.call(
            http, .POST, base: base, path: "/v1/campaigns", key: key,
            body:
                #"{"name":"Winter sale","category":"promo","audience":{"topic":"blast"},"data":{"offer":"30% off"}\#(rate)}"#
        )
        guard created.status == 201, let id = created.json["id"] as? String else {
            throw BenchError("the API answered \(created.status) to the campaign: \(created.json)")
        }
        // Expansion and release, read from the campaign row (cheaper than the API's delivery counts).
        while true {
            let rows = try await client.query(
                "SELECT expanded, planned, released FROM notify.campaigns WHERE id = \(UUID(uuidString: id)!)",
                logger: logger
            ).collect()
            let (expanded, planned, released) = try rows[0].decode((Bool, Int64, Int64).self)
            if expanded && report.blastExpandSeconds == 0 {
                report.blastExpandSeconds = ((ContinuousClock.now - start).seconds * 100).rounded() / 100
            }
            // Once expanded, every recipient's delivery is durable and waiting: the campaign is
            // queued. Its pacer hands recipients to the pipeline as fast as the rate, if any, and
            // the pipeline's backlog allow, so the OTP window starts once it is also releasing.
            if expanded && released > 0 {
                guard planned == blast else { throw BenchError("the campaign planned \(planned), not \(blast)") }
                report.blastQueuedSeconds = ((ContinuousClock.now - start).seconds * 100).rounded() / 100
                break
            }
            if (ContinuousClock.now - start) > .seconds(900) {
                throw BenchError("the campaign was not queued in 900 s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }

        let received = Stamps()
        let blastAccepted = Mutex<(first: Int, last: Int)>((0, 0))
        func fcmAccepted() -> Int { sandbox.recorder.counts()[.fcm]?.accepted ?? 0 }
        blastAccepted.withLock { $0.first = fcmAccepted() }
        let windowStart = ContinuousClock.now
        // Watch the sandbox for OTP pushes (recipient otp-token-N) while the sender runs.
        let watching = Task {
            var after = 0
            while !Task.isCancelled {
                for message in sandbox.recorder.messages(
                    provider: .fcm, recipient: "otp-token-", after: after, limit: 10_000)
                {
                    after = max(after, message.sequence)
                    if let n = message.recipient.flatMap({ Int($0.split(separator: "-").last ?? "") }) {
                        received.note(n, at: message.receivedAt)
                    }
                }
                try? await Task.sleep(for: .milliseconds(1))
            }
        }
        let sentAt = Stamps()
        let total = otpRate * otpSeconds
        try await withThrowingTaskGroup(of: Void.self) { group in
            let period = Duration.nanoseconds(1_000_000_000 / Int64(otpRate))
            for n in 1...total {
                try await Task.sleep(until: windowStart + period * (n - 1), clock: .continuous)
                group.addTask {
                    sentAt.note(n, at: Date())
                    let status = try await BenchSupport.post(
                        http, base: base, key: key,
                        body: #"{"category":"otp","to":{"user":"otp-\#(n)"},"data":{"code":"\#(100_000 + n)"}}"#)
                    guard status == 202 else { throw BenchError("the API answered \(status) to an OTP") }
                }
            }
            try await group.waitForAll()
        }
        let windowSeconds = (ContinuousClock.now - windowStart).seconds
        blastAccepted.withLock { $0.last = fcmAccepted() }
        // Give the last OTPs a moment to arrive.
        let settle = ContinuousClock.now + .seconds(5)
        while received.all.count < total && ContinuousClock.now < settle {
            try await Task.sleep(for: .milliseconds(10))
        }
        watching.cancel()
        let arrivals = received.all
        let sends = sentAt.all
        var latencies: [Double] = []
        for (n, at) in arrivals {
            if let sent = sends[n] { latencies.append(max(0, at.timeIntervalSince(sent) * 1000)) }
        }
        let (first, last) = blastAccepted.withLock { ($0.first, $0.last) }
        let otpInWindow = arrivals.count
        report.blastNotificationsPerSecond = (Double(max(0, last - first - otpInWindow)) / windowSeconds).rounded()
        report.otpSent = total
        report.otpReceived = arrivals.count
        report.otpLatencyMs = RuntimeBenchmark.Percentiles(latencies)
        report.peakRSSMegabytes = PipelineBenchmark.peakRSSMegabytes()
        report.otpStageMs =
            (try? await TimelineStage.measure(
                notificationsWhere: "n.category_key = 'otp'", client: client, logger: logger)) ?? [:]
        if let diagnostics = try? await client.query(
            """
            SELECT 'job ' || queue || ' lane ' || lane || ' ' || state, count(*) FROM notify.jobs GROUP BY 1
            UNION ALL
            SELECT 'otp ' || n.status || ' / ' || coalesce(d.status, '-'), count(*) FROM notify.notifications n
            LEFT JOIN notify.deliveries d ON d.notification_id = n.id WHERE n.category_key = 'otp' GROUP BY 1
            """, logger: logger
        ).collect() {
            for row in diagnostics {
                if let (what, count) = try? row.decode((String, Int64).self) {
                    FileHandle.standardError.write(Data("queues at the end: \(what): \(count)\n".utf8))
                }
            }
        }
        _ = try? await BenchSupport.call(http, .POST, base: base, path: "/v1/campaigns/\(id)/cancel", key: key)
        report.notes = [
            "blast_expand_seconds: from POST /v1/campaigns to every recipient having its delivery row; blast_queued_seconds: to the campaign being expanded and releasing to preference-filter (its pacer releases through the drain, at most 10,000 deliveries ahead of the pipeline and at rate_per_second when --blast-rate is set)",
            "otp_latency_ms: from posting each OTP (category critical, priority lane critical) to the FCM sandbox receiving its push, while the campaign drains in the bulk lane",
            "blast_notifications_per_second: campaign pushes the FCM sandbox accepted per second during the OTP window",
            "otp_stage_ms: per timeline event kind, milliseconds from each OTP's accepted event to its first event of that kind (the database's transaction times), p50 and p99 over the OTPs",
            "one process: API, one worker running every pipeline function, FCM client and sandbox; private PostgreSQL with fsync and synchronous_commit on",
        ]
        return report
    }
}

/// When each numbered OTP was sent or received (the first time only).
final class Stamps: Sendable {
    private let stamps = Mutex<[Int: Date]>([:])

    func note(_ n: Int, at date: Date) { stamps.withLock { if $0[n] == nil { $0[n] = date } } }
    var all: [Int: Date] { stamps.withLock { $0 } }
}
