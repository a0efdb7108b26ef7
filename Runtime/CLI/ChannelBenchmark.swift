import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NotifyAPI
import NotifyDelivery
import NotifyFunctionKit
import NotifyHTTP
import NotifyModel
import NotifyProviders
import NotifyRuntime
import NotifySandbox
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// `notify bench pipeline --channel sms|email|push`: single-recipient notifications through the
/// HTTP API (or `notify.send`), validate, preference-filter, render and the channel's sender, to
/// the provider sandbox (Twilio, SendGrid or FCM) in this process, over real sockets.
///
/// 1. Throughput: `notifications` notifications, timed from the first request to the sandbox
///    accepting the last message.
/// 2. Latency on an idle system: one notification at a time, from the API's 202 to the sandbox
///    receiving the provider request.
///
/// `--sandbox-latency-ms` adds that latency to every provider request, to show that concurrency,
/// not threads, carries slow providers. Callbacks are off: this measures the way out.
struct ChannelBenchmark {
    let server: DatabaseURL
    let channel: NotifyModel.Channel
    let notifications: Int
    let clients: Int
    let samples: Int
    let users: Int
    let producer: String
    let sandboxLatencyMs: Int
    let worker: WorkerConfiguration
    let logger: Logger
    let http: HTTPClient

    struct Report: BenchmarkReport {
        var channel = ""
        var provider = ""
        var notifications = 0
        var producer = ""
        var notificationsPerSecond = 0.0
        var acceptPerSecond = 0.0
        var latencyMs = RuntimeBenchmark.Percentiles([0])
        var sandboxLatencyMs = 0
        var peakRSSMegabytes = 0.0
        var costPerNotification: PipelineCost?
        var settings: [String: String] = [:]
        var notes: [String] = []

        enum CodingKeys: String, CodingKey {
            case channel, provider, notifications, producer, settings, notes
            case costPerNotification = "cost_per_notification"
            case notificationsPerSecond = "notifications_per_second"
            case acceptPerSecond = "accept_per_second"
            case latencyMs = "latency_ms"
            case sandboxLatencyMs = "sandbox_latency_ms"
            case peakRSSMegabytes = "peak_rss_mb"
        }

        func text() -> String {
            """
            pipeline (\(channel) via \(provider), sandbox latency \(sandboxLatencyMs) ms): \(Int(notificationsPerSecond)) notifications/s to the provider (\(notifications), producer \(producer); accepted \(Int(acceptPerSecond))/s)
            accept-to-provider: p50 \(latencyMs.p50) ms, p99 \(latencyMs.p99) ms, max \(latencyMs.max) ms (\(latencyMs.samples) samples)
            peak RSS:           \(peakRSSMegabytes) MB
            cost:               \(costPerNotification.map(\.text) ?? "not measured")
            settings:           \(settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
            """
        }
    }

    var provider: ProviderKind {
        switch channel {
        case .email: return .sendgrid
        case .push: return .fcm
        default: return .twilio
        }
    }

    func run() async throws -> Report {
        try await BenchDatabase.with(server: server, logger: logger) { url in try await measure(url) }
    }

    private func measure(_ url: DatabaseURL) async throws -> Report {
        let client = PostgresClient(configuration: url.clientConfiguration(applicationName: "notify-bench"))
        var sandboxConfiguration = SandboxConfiguration()
        if sandboxLatencyMs > 0 {
            sandboxConfiguration.faults[provider] = FaultSettings(
                latency: .init(minMs: sandboxLatencyMs, maxMs: sandboxLatencyMs))
        }
        let sandbox = try ProviderSandbox(configuration: sandboxConfiguration, logger: logger)
        return try await client.whileRunning {
            try await Migrator(client: client, logger: logger).migrate()
            let (cipher, hasher, engine) = BenchSupport.developmentEngine(http: http)
            let delivery = FunctionDirectory.catalog(delivery: nil)
            var catalog = try delivery.restricted(to: ["validate", "preference-filter", "render"])
            FunctionDirectory.registerSender(for: channel, engine: engine, in: &catalog)
            try await delivery.publish(to: client, logger: logger)
            let producer = JobProducer(client: client, catalog: delivery, logger: logger)
            var stack = BenchStack(
                url: url, client: client, producer: producer, catalog: catalog, cipher: cipher, hasher: hasher,
                worker: worker, logger: logger)
            stack.supportingServices = [sandbox]
            return try await stack.run { base in
                let key = try await seedTenant(client, sandbox: sandbox, cipher: cipher, hasher: hasher)
                return try await figures(base: base, key: key, client: client, sandbox: sandbox)
            }
        }
    }

    private func figures(
        base: String, key: String, client: PostgresClient, sandbox: ProviderSandbox
    ) async throws
        -> Report
    {
        var report = Report()
        report.channel = channel.rawValue
        report.provider = provider.rawValue
        report.notifications = notifications
        report.producer = producer
        report.sandboxLatencyMs = sandboxLatencyMs
        report.settings = try await BenchSupport.settings(client, worker: worker, logger: logger)
        let before = try await PipelineCost.read(client, logger: logger)
        let start = ContinuousClock.now
        if let sql = BenchSQLProducer(rawValue: producer) {
            for first in stride(from: 0, to: notifications, by: 1000) {
                let last = min(notifications, first + 1000) - 1
                try await client.withTransaction(logger: logger) { connection in
                    _ = try await connection.query(
                        sql.statement(first: first, last: last, users: users), logger: logger
                    )
                    .collect()
                }
            }
        } else {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<clients {
                    group.addTask {
                        for n in stride(from: lane, to: notifications, by: clients) {
                            let status = try await BenchSupport.post(
                                http, base: base, key: key,
                                body: #"{"category":"alert","to":{"user":"user-\#(n % users + 1)"},"data":{"n":\#(n)}}"#
                            )
                            guard status == 202 else { throw BenchError("the API answered \(status)") }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        report.acceptPerSecond = (Double(notifications) / (ContinuousClock.now - start).seconds).rounded()
        try await BenchSupport.wait(
            every: .milliseconds(5), client: client, logger: logger, progress: { accepted(sandbox) },
            until: { $0 >= notifications })
        report.notificationsPerSecond = (Double(notifications) / (ContinuousClock.now - start).seconds).rounded()
        report.costPerNotification = try await PipelineCost.since(
            before, notifications: notifications, client: client, logger: logger)
        var latencies: [Double] = []
        for sample in 0..<samples {
            let before = accepted(sandbox)
            let sentAt = Date()
            let status = try await BenchSupport.post(
                http, base: base, key: key,
                body: #"{"category":"alert","to":{"user":"user-1"},"data":{"n":"latency \#(sample)"}}"#)
            guard status == 202 else { throw BenchError("the API answered \(status)") }
            while accepted(sandbox) <= before { try await Task.sleep(for: .microseconds(200)) }
            if let received = sandbox.recorder.messages(provider: provider, limit: 1).last?.receivedAt {
                latencies.append(max(0, received.timeIntervalSince(sentAt) * 1000))
            }
            try await Task.sleep(for: .milliseconds(Int64.random(in: 5...15)))
        }
        report.latencyMs = RuntimeBenchmark.Percentiles(latencies)
        report.peakRSSMegabytes = PipelineBenchmark.peakRSSMegabytes()
        report.notes = [
            "notifications_per_second: from the first notification produced to the sandbox accepting the last provider request; single-recipient notifications; API, worker, provider clients and sandbox in this process",
            "latency_ms: from the moment the notification was posted to the sandbox receiving the provider request, one at a time on an idle system",
            "provider callbacks are off: this measures the way out",
            PipelineCost.note,
        ]
        return report
    }

    private func accepted(_ sandbox: ProviderSandbox) -> Int {
        sandbox.recorder.counts()[provider]?.accepted ?? 0
    }

    /// Tenant `bench` with `users` users (each with an address, number and FCM device), one
    /// provider account and route for the channel, and category `alert` with its template.
    private func seedTenant(
        _ client: PostgresClient, sandbox: ProviderSandbox, cipher: ContactCipher, hasher: LookupHasher
    ) async throws -> String {
        let admin = TenantAdmin(client: client, logger: logger)
        _ = try await admin.createTenant(id: "bench", name: "bench")
        try await client.query(
            "UPDATE notify.tenants SET requests_per_second = 1000000 WHERE id = 'bench'", logger: logger)
        // Contact points sealed and hashed as the API stores them (base64 text, decoded in SQL).
        func sealed(_ value: String) throws -> String { Data(try cipher.seal(value)).base64EncodedString() }
        func hashed(_ value: String, _ channel: NotifyModel.Channel) -> String {
            Data(hasher.hash(value, channel: channel)).base64EncodedString()
        }
        var ids: [String] = []
        var (emails, emailHashes, phones, phoneHashes, tokens, tokenHashes) =
            ([String](), [String](), [String](), [String](), [String](), [String]())
        for n in 1...users {
            let (email, phone, token) = ("user\(n)@example.com", "+1415\(String(format: "%07d", n))", "fcm-token-\(n)")
            ids.append("user-\(n)")
            emails.append(try sealed(email))
            emailHashes.append(hashed(email, .email))
            phones.append(try sealed(phone))
            phoneHashes.append(hashed(phone, .sms))
            tokens.append(try sealed(token))
            tokenHashes.append(hashed("fcm:\(token)", .push))
        }
        try await client.query(
            """
            INSERT INTO notify.users (tenant_id, external_id, email_cipher, email_hash, phone_cipher, phone_hash, locale)
            SELECT 'bench', u.id, decode(u.e, 'base64'), decode(u.eh, 'base64'), decode(u.p, 'base64'),
                   decode(u.ph, 'base64'), 'en'
            FROM unnest(\(ids)::text[], \(emails)::text[], \(emailHashes)::text[], \(phones)::text[],
                        \(phoneHashes)::text[]) AS u(id, e, eh, p, ph)
            """, logger: logger)
        try await client.query(
            """
            INSERT INTO notify.devices (tenant_id, user_id, platform, token_cipher, token_hash)
            SELECT 'bench', u.id, 'fcm', decode(t.token, 'base64'), decode(t.hash, 'base64')
            FROM unnest(\(ids)::text[], \(tokens)::text[], \(tokenHashes)::text[]) AS t(id, token, hash)
            JOIN notify.users u ON u.tenant_id = 'bench' AND u.external_id = t.id
            """, logger: logger)
        let document = try await sandbox.credentialsDocument()
        let accounts = try document.engineAccounts(
            prefix: "bench", webhookName: "bench", webhookSecret: StandardWebhookSignature.generateSecret())
        guard let account = accounts.first(where: { $0.kind == provider }) else {
            throw BenchError("the sandbox has no \(provider.rawValue) account")
        }
        let sender = String(decoding: try JSONEncoder().encode(account.sender), as: UTF8.self)
        try await client.query(
            """
            INSERT INTO notify.provider_accounts (id, tenant_id, kind, channel, config_cipher, sender)
            VALUES (\(account.id), 'bench', \(provider.rawValue), \(channel.rawValue),
                    \(Data(try cipher.seal(account.configJSON))), \(sender)::jsonb)
            """, logger: logger)
        try await client.query(
            """
            INSERT INTO notify.provider_routes (tenant_id, channel, account_id) VALUES ('bench', \(channel.rawValue), \(account.id))
            """, logger: logger)
        try await client.query(
            """
            INSERT INTO notify.categories (tenant_id, key, kind, default_channels, template_key)
            VALUES ('bench', 'alert', 'transactional', ARRAY[\(channel.rawValue)], 'alert')
            """, logger: logger)
        let source: String
        switch channel {
        case .email:
            source = #"{"subject":"Alert {{n}}","text":"Something happened.","html":"<p>Something happened.</p>"}"#
        case .push: source = #"{"title":"Alert {{n}}","body":"Something happened."}"#
        default: source = #"{"text":"Alert {{n}}: something happened."}"#
        }
        try await client.query(
            """
            INSERT INTO notify.templates (tenant_id, key, channel, locale, version, source, active)
            VALUES ('bench', 'alert', \(channel.rawValue), 'en', 1, \(source)::jsonb, true)
            """, logger: logger)
        try await client.query("VACUUM ANALYZE", logger: logger)
        return try await admin.createKey(tenantID: "bench", name: "bench").plaintext
    }
}
