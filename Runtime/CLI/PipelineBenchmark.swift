import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NotifyAPI
import NotifyFunctionKit
import NotifyHTTP
import NotifyModel
import NotifyRuntime
import PostgresNIO
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `notify bench pipeline --channel inapp`: single-recipient notifications through the HTTP API,
/// validate, preference-filter, render and send-inapp, with the runtime's default settings.
///
/// 1. Throughput: `notifications` requests from `clients` concurrent HTTP connections, timed from
///    the first request to the last inbox item committed.
/// 2. Latency on an idle system: one notification at a time, from the API's 202 to the item
///    arriving on the user's live inbox stream (Server-Sent Events).
/// 3. Optionally a topic broadcast to `broadcast` subscribers, with the process's peak memory.
struct PipelineBenchmark {
    let server: DatabaseURL
    let notifications: Int
    let clients: Int
    let samples: Int
    let users: Int
    let broadcast: Int
    /// `http` (POST /v1/notifications), `sql` (notify.send, no HTTP) or `sql-many` (notify.send_many).
    let producer: String
    /// With the HTTP producer: notifications per request (more than 1: `POST /v1/notifications/batch`).
    var httpBatch = 1
    /// With the SQL producer: notifications per transaction (1 is what an application calling
    /// `notify.send` in each of its own transactions does).
    var sqlBatch = 1000
    /// With the SQL producer: concurrent producer connections.
    var sqlConnections = 1
    let worker: WorkerConfiguration
    let logger: Logger
    /// An HTTP client with a connection per benchmark client (the shared client allows 8 per host).
    let http: HTTPClient

    struct Report: BenchmarkReport {
        var channel = "inapp"
        var notifications = 0
        var clients = 0
        var notificationsPerSecond = 0.0
        var producer = "http"
        /// With the HTTP producer: notifications per request, when more than one.
        var httpBatch: Int?
        /// With the SQL producer: notifications per transaction and concurrent connections.
        var sqlBatch: Int?
        var sqlConnections: Int?
        var acceptPerSecond = 0.0
        var latencyMs = RuntimeBenchmark.Percentiles([0])
        /// The latency samples' stages, by the database's clock (see ``TimelineStage``).
        var latencyStageMs: [String: TimelineStage] = [:]
        var broadcast: [String: Double]?
        var peakRSSMegabytes = 0.0
        var costPerNotification: PipelineCost?
        var settings: [String: String] = [:]
        var notes: [String] = []

        enum CodingKeys: String, CodingKey {
            case channel, notifications, clients, producer
            case httpBatch = "http_batch"
            case sqlBatch = "sql_batch"
            case sqlConnections = "sql_connections"
            case costPerNotification = "cost_per_notification"
            case notificationsPerSecond = "notifications_per_second"
            case acceptPerSecond = "accept_per_second"
            case latencyMs = "latency_ms"
            case latencyStageMs = "latency_stage_ms"
            case broadcast
            case peakRSSMegabytes = "peak_rss_mb"
            case settings, notes
        }

        /// Who produced the notifications, in words.
        private var producerText: String {
            guard let producer = BenchSQLProducer(rawValue: producer) else {
                return "\(clients) HTTP clients" + (httpBatch.map { ", \($0) per request" } ?? "")
            }
            return "\(producer.function), \(sqlBatch ?? 1) per transaction on \(sqlConnections ?? 1) connection(s)"
        }

        func text() -> String {
            """
            pipeline (\(channel)):  \(Int(notificationsPerSecond)) notifications/s delivered (\(notifications) from \(producerText); accepted \(Int(acceptPerSecond))/s)
            accept-to-inbox:    p50 \(latencyMs.p50) ms, p99 \(latencyMs.p99) ms, max \(latencyMs.max) ms (\(latencyMs.samples) samples, 202 to SSE event)
            stages (p50/p99):   \(latencyStageMs.sorted { $0.value.p50 < $1.value.p50 }.map { "\($0.key) \($0.value.p50)/\($0.value.p99) ms" }.joined(separator: ", "))
            broadcast:          \(broadcast.map { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") } ?? "skipped")
            peak RSS:           \(peakRSSMegabytes) MB
            cost:               \(costPerNotification.map(\.text) ?? "not measured")
            settings:           \(settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
            """
        }
    }

    func run() async throws -> Report {
        try await BenchDatabase.with(server: server, logger: logger) { url in try await measure(url) }
    }

    private func measure(_ url: DatabaseURL) async throws -> Report {
        let client = PostgresClient(configuration: url.clientConfiguration(applicationName: "notify-bench"))
        return try await client.whileRunning {
            try await Migrator(client: client, logger: logger).migrate()
            let catalog = try FunctionDirectory.all.restricted(to: [
                "validate", "preference-filter", "render", "send-inapp",
            ])
            try await FunctionDirectory.all.publish(to: client, logger: logger)
            let producer = JobProducer(client: client, catalog: FunctionDirectory.all, logger: logger)
            let seed = "bench-\(UUID())"
            let stack = BenchStack(
                url: url, client: client, producer: producer, catalog: catalog,
                cipher: .derivedForDevelopment(seed: seed), hasher: .derivedForDevelopment(seed: seed), worker: worker,
                logger: logger)
            return try await stack.run { base in
                let key = try await seedTenant(client)
                return try await figures(base: base, key: key, url: url, client: client)
            }
        }
    }

    private func figures(base: String, key: String, url: DatabaseURL, client: PostgresClient) async throws -> Report {
        var report = Report()
        report.settings = try await settings(client)
        report.notifications = notifications
        report.clients = clients
        report.producer = producer
        let sql = BenchSQLProducer(rawValue: producer)
        if sql != nil {
            report.sqlBatch = sqlBatch
            report.sqlConnections = sqlConnections
        } else if httpBatch > 1 {
            report.httpBatch = httpBatch
        }
        let before = try await PipelineCost.read(client, logger: logger)
        if let sql {
            try await sqlThroughput(sql, url: url, client: client, into: &report)
        } else {
            try await throughput(base: base, key: key, client: client, into: &report)
        }
        report.costPerNotification = try await PipelineCost.since(
            before, notifications: notifications, client: client, logger: logger)
        try await client.query("VACUUM ANALYZE", logger: logger)
        try await latency(base: base, key: key, client: client, into: &report)
        if broadcast > 0 { report.broadcast = try await broadcastFigures(base: base, key: key, client: client) }
        report.peakRSSMegabytes = Self.peakRSSMegabytes()
        report.notes = [
            sql.map {
                "notifications_per_second: from the first \($0.function) transaction (sql_batch notifications each, from sql_connections connections) to the last inbox item committed, single-recipient in-app notifications, worker in this process"
            }
                ?? "notifications_per_second: from the first POST /v1/notifications to the last inbox item committed, single-recipient in-app notifications, HTTP API and worker in this process",
            "latency_ms: from the API's 202 answer to the item's event on the user's SSE stream, one notification at a time on an idle system",
            "latency_stage_ms: per timeline event kind, milliseconds from each latency sample's accepted event to its first event of that kind (the database's clock), p50 and p99",
            "peak_rss_mb: the benchmark process (API, worker and client together)",
            PipelineCost.note,
        ]
        return report
    }

    /// Tenant `bench` with `users` users, category `alert` and an in-app template; returns an API key.
    private func seedTenant(_ client: PostgresClient) async throws -> String {
        let admin = TenantAdmin(client: client, logger: logger)
        _ = try await admin.createTenant(id: "bench", name: "bench")
        // The benchmark measures the pipeline, not the per-tenant request limit.
        try await client.query(
            "UPDATE notify.tenants SET requests_per_second = 1000000 WHERE id = 'bench'", logger: logger)
        try await client.query(
            """
            INSERT INTO notify.users (tenant_id, external_id, locale)
            SELECT 'bench', 'user-' || n, 'en' FROM generate_series(1, \(users)) AS n
            """, logger: logger)
        try await client.query(
            """
            INSERT INTO notify.categories (tenant_id, key, kind, default_channels, template_key)
            VALUES ('bench', 'alert', 'transactional', '{inapp}', 'alert')
            """, logger: logger)
        try await client.query(
            """
            INSERT INTO notify.templates (tenant_id, key, channel, locale, version, source, active)
            VALUES ('bench', 'alert', 'inapp', 'en', 1, '{"title":"Alert {{n}}","body":"Something happened."}', true)
            """, logger: logger)
        return try await admin.createKey(tenantID: "bench", name: "bench").plaintext
    }

    /// The pipeline alone: notifications inserted with the SQL producer, ``sqlBatch`` per
    /// transaction from ``sqlConnections`` connections of their own, then drained; the rate is
    /// from the first insert to the last inbox item.
    private func sqlThroughput(
        _ sql: BenchSQLProducer, url: DatabaseURL, client: PostgresClient, into report: inout Report
    ) async throws {
        var configuration = url.clientConfiguration(applicationName: "notify-bench-producer")
        configuration.options.maximumConnections = sqlConnections
        let producers = PostgresClient(configuration: configuration)
        let start = ContinuousClock.now
        try await producers.whileRunning {
            try await withThrowingTaskGroup(of: Void.self) { group in
                let batches = Array(stride(from: 0, to: notifications, by: sqlBatch))
                for lane in 0..<sqlConnections {
                    group.addTask {
                        // Each connection commits every `sqlConnections`-th batch, one at a time.
                        for first in stride(from: lane, to: batches.count, by: sqlConnections).map({ batches[$0] }) {
                            let last = min(notifications, first + sqlBatch) - 1
                            try await producers.withTransaction(logger: logger) { connection in
                                _ = try await connection.query(
                                    sql.statement(first: first, last: last, users: users), logger: logger
                                ).collect()
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        report.acceptPerSecond = (Double(notifications) / (ContinuousClock.now - start).seconds).rounded()
        try await waitForInboxItems(notifications, client: client)
        report.notificationsPerSecond = (Double(notifications) / (ContinuousClock.now - start).seconds).rounded()
    }

    private func throughput(
        base: String, key: String, client: PostgresClient, into report: inout Report
    )
        async throws
    {
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<clients {
                group.addTask {
                    // Each client sends every `clients`-th request (of `httpBatch` notifications),
                    // one request at a time.
                    let requests = (notifications + httpBatch - 1) / httpBatch
                    for request in stride(from: lane, to: requests, by: clients) {
                        let numbers = request * httpBatch..<min(notifications, (request + 1) * httpBatch)
                        let items = numbers.map { n in
                            #"{"category":"alert","to":{"user":"user-\#(n % users + 1)"},"data":{"n":\#(n)}}"#
                        }
                        let status =
                            httpBatch == 1
                            ? try await post(base: base, key: key, body: items[0])
                            : try await BenchSupport.post(
                                http, base: base, path: "/v1/notifications/batch", key: key,
                                body: #"{"notifications":[\#(items.joined(separator: ","))]}"#)
                        guard status == 202 else { throw BenchError("the API answered \(status)") }
                    }
                }
            }
            try await group.waitForAll()
        }
        report.acceptPerSecond = (Double(notifications) / (ContinuousClock.now - start).seconds).rounded()
        try await waitForInboxItems(notifications, client: client)
        report.notificationsPerSecond = (Double(notifications) / (ContinuousClock.now - start).seconds).rounded()
    }

    private func latency(base: String, key: String, client: PostgresClient, into report: inout Report) async throws {
        let user = "user-1"
        let secret = try await TenantAdmin(client: client, logger: logger).inboxSecret(of: "bench") ?? ""
        let signature = InboxSignature.sign(userID: user, secret: Array(hex: secret))
        var request = HTTPClientRequest(url: base + "/v1/inbox/stream?tenant=bench&user=\(user)&signature=\(signature)")
        request.method = .GET
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(3600))
        let arrivals = AsyncStream<(Int, ContinuousClock.Instant)>.makeStream()
        let reader = Task {
            // Reads the stream until cancelled; every `item` event reports its sample number.
            var buffer = ""
            for try await chunk in response.body {
                let now = ContinuousClock.now
                buffer += String(buffer: chunk)
                while let range = buffer.range(of: "\n\n") {
                    let event = buffer[..<range.lowerBound]
                    buffer.removeSubrange(..<range.upperBound)
                    if event.contains("event: item"), let marker = event.range(of: "Latency "),
                        let number = Int(event[marker.upperBound...].prefix { $0.isNumber })
                    {
                        arrivals.continuation.yield((number, now))
                    }
                }
            }
        }
        defer { reader.cancel() }
        try await Task.sleep(for: .milliseconds(300))
        var iterator = arrivals.stream.makeAsyncIterator()
        var latencies: [Double] = []
        for sample in 0..<samples {
            let status = try await post(
                base: base, key: key,
                body: #"{"category":"alert","to":{"user":"\#(user)"},"data":{"n":"Latency \#(sample)"}}"#)
            let accepted = ContinuousClock.now
            guard status == 202 else { throw BenchError("the API answered \(status)") }
            while let (number, at) = await iterator.next() {
                if number == sample {
                    latencies.append(max(0, (at - accepted).seconds * 1000))
                    break
                }
            }
            try await Task.sleep(for: .milliseconds(Int64.random(in: 5...15)))
        }
        report.latencyMs = RuntimeBenchmark.Percentiles(latencies)
        report.latencyStageMs = try await TimelineStage.measure(
            notificationsWhere: "n.data ->> 'n' LIKE 'Latency %'", client: client, logger: logger)
    }

    private func broadcastFigures(base: String, key: String, client: PostgresClient) async throws -> [String: Double] {
        try await client.query(
            """
            INSERT INTO notify.users (tenant_id, external_id, locale)
            SELECT 'bench', 'fan-' || n, 'en' FROM generate_series(1, \(broadcast)) AS n
            """, logger: logger)
        try await client.query("INSERT INTO notify.topics (tenant_id, key) VALUES ('bench', 'fans')", logger: logger)
        try await client.query(
            """
            INSERT INTO notify.topic_subscribers (tenant_id, topic_key, user_id)
            SELECT 'bench', 'fans', id FROM notify.users WHERE tenant_id = 'bench' AND external_id LIKE 'fan-%'
            """, logger: logger)
        try await client.query("VACUUM ANALYZE", logger: logger)
        let before = try await count(client, "SELECT count(*) FROM notify.inbox_items")
        let start = ContinuousClock.now
        let status = try await post(
            base: base, key: key, body: #"{"category":"alert","to":{"topic":"fans"},"data":{"n":0}}"#)
        guard status == 202 else { throw BenchError("the API answered \(status)") }
        try await BenchSupport.wait(
            every: .milliseconds(50), client: client, logger: logger,
            progress: { try await count(client, "SELECT count(*) FROM notify.inbox_items") },
            until: { $0 >= before + broadcast })
        let seconds = (ContinuousClock.now - start).seconds
        return [
            "subscribers": Double(broadcast), "seconds": (seconds * 100).rounded() / 100,
            "deliveries_per_second": (Double(broadcast) / seconds).rounded(),
        ]
    }

    private func post(base: String, key: String, body: String) async throws -> Int {
        try await BenchSupport.post(http, base: base, key: key, body: body)
    }

    /// Waits until the inbox holds `total` items, looking every 50 ms: often enough to time a run of
    /// seconds to within 2 %, and rarely enough that counting a growing table does not weigh on
    /// the server whose work is being timed. A pipeline that fails or stalls stops the wait with
    /// its error.
    private func waitForInboxItems(_ total: Int, client: PostgresClient) async throws {
        try await BenchSupport.wait(
            every: .milliseconds(50), client: client, logger: logger,
            progress: { try await count(client, "SELECT count(*) FROM notify.inbox_items") },
            until: { $0 >= total })
    }

    private func count(_ client: PostgresClient, _ query: PostgresQuery) async throws -> Int {
        for try await value in try await client.query(query, logger: logger).decode(Int64.self) { return Int(value) }
        return 0
    }

    private func settings(_ client: PostgresClient) async throws -> [String: String] {
        try await BenchSupport.settings(client, worker: worker, logger: logger)
    }

    /// The process's peak resident set size in MB (Linux reports ru_maxrss in KiB).
    static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return (Double(usage.ru_maxrss) / 1024 * 10).rounded() / 10
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
