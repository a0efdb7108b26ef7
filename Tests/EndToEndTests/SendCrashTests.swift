import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NotifyModel
import NotifyPrivateCluster
import NotifyRuntime
import NotifyTestSupport
import PostgresNIO
import Testing

/// Worker processes SIGKILLed in the middle of a 10,000-message SMS send, with the provider
/// sandbox in its own process: afterwards every recipient got the message, and a recipient got it
/// twice only if its delivery is recorded unknown (an interrupted attempt, or a request that timed
/// out after it was sent), retried as the category says.
@Suite struct SendCrashTests {
    static let recipients = 10_000

    @Test func killedSendersLoseNothingAndDuplicateOnlyUnknownOutcomes() async throws {
        let url = try await TestCluster.freshDatabase()
        let database = url.secretURLString
        let keys = PipelineProcessTests.keys
        let key = try await PipelineProcessTests.onboard(database).key

        let sandboxPort = try LoopbackPort.pickFree()
        let credentials = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: credentials) }
        let sandbox = try await NotifyProcess.start(
            [
                "sandbox", "serve", "--port", String(sandboxPort), "--apns-port", "0", "--smtp-port", "0",
                "--write-credentials", credentials,
            ], databaseURL: database)
        let apiPort = try LoopbackPort.pickFree()
        var processes: [NotifyProcess] = [sandbox]
        processes.append(
            try await NotifyProcess.start(
                ["serve", "--port", String(apiPort)], databaseURL: database, environment: keys))
        processes.append(
            try await NotifyProcess.start(
                ["work", "--functions", "validate,preference-filter,render", "--lease-ms", "3000"],
                databaseURL: database, environment: keys))
        func sender() async throws -> NotifyProcess {
            try await NotifyProcess.start(
                ["work", "--functions", "send-sms", "--no-lead", "--lease-ms", "3000", "--concurrency", "8"],
                databaseURL: database, environment: keys.merging(["NOTIFY_SEND_TIMEOUT_MS": "2000"]) { _, new in new })
        }
        var senders = [try await sender(), try await sender()]
        var everySender = senders
        defer {
            for process in processes + senders { process.signal(SIGKILL) }
        }
        let base = "http://127.0.0.1:\(apiPort)"
        let sandboxBase = "http://127.0.0.1:\(sandboxPort)"
        let up = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            (try? await PipelineProcessTests.call(.GET, base + "/healthz"))?.status == 200
                && FileManager.default.fileExists(atPath: credentials)
        }
        #expect(up, "\(processes.map(\.log).joined(separator: "\n---\n").suffix(3000))")
        let auth = ["Authorization": "Bearer \(key)"]
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: credentials)))
        let twilio = try #require((document as? [String: Any])?["twilio"] as? [String: Any])
        let account: [String: Any] = [
            "kind": "twilio",
            "config": [
                "account_sid": twilio["account_sid"]!, "auth_token": twilio["auth_token"]!,
                "base_url": twilio["base_url"]!,
            ],
            "sender": ["from": "+15005550006"],
        ]
        try await Self.expect(base + "/v1/providers/sbx-twilio", .PUT, auth, account, 201)
        try await Self.expect(base + "/v1/routes/sms", .PUT, auth, ["providers": [["provider": "sbx-twilio"]]], 200)
        try await Self.expect(
            base + "/v1/categories/otp", .PUT, auth,
            ["kind": "transactional", "default_channels": ["sms"], "unknown_outcome": "retry"], 201)
        try await Self.expect(
            base + "/v1/templates/otp/sms/en/versions?activate=true", .POST, auth, ["text": "Your code"], 201)
        try await Self.seedRecipients(url: url)

        let sent = try await PipelineProcessTests.call(
            .POST, base + "/v1/notifications", auth, #"{"category":"otp","to":{"topic":"everyone"}}"#)
        #expect(sent.status == 202, "\(sent.body)")
        // Kill both senders twice while the send is under way, starting fresh ones each time.
        for threshold in [2_000, 6_000] {
            let reached = await eventually(timeout: .seconds(120), every: .milliseconds(20)) {
                (try? await Self.accepted(sandboxBase)) ?? 0 >= threshold
            }
            #expect(reached, "\(senders.map(\.log).joined(separator: "\n---\n").suffix(3000))")
            print("send-crash: killing both senders at \(Date()) (\(threshold) accepted)")
            for process in senders { process.signal(SIGKILL) }
            for process in senders { _ = await process.waitForExit() }
            senders = [try await sender(), try await sender()]
            everySender += senders
        }
        let finished = await eventually(timeout: .seconds(180), every: .milliseconds(250)) {
            (try? await Self.scalar(
                url, "SELECT count(*)::int FROM notify.deliveries WHERE status IN ('sent', 'unknown', 'failed')"))
                == Self.recipients
        }
        if !finished {
            // Say where the stragglers are: their statuses, and any send job still queued or buried.
            let report = try await Self.stragglers(url)
            Issue.record(
                "deliveries not finished: \(report)\n\(senders.map(\.log).joined(separator: "\n---\n").suffix(3000))")
        }

        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: sandboxBase + "/sandbox/messages?provider=twilio&limit=100000"),
            timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 256 << 20)
        let messages =
            (try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])?[
                "messages"] as? [[String: Any]] ?? []
        let accepted = messages.filter { $0["status"] as? String == "accepted" }
        var sendsPerPhone: [String: Int] = [:]
        for message in accepted {
            if let phone = message["recipient"] as? String { sendsPerPhone[phone, default: 0] += 1 }
        }
        let duplicates = accepted.count - sendsPerPhone.count
        let duplicated = Set(sendsPerPhone.filter { $0.value > 1 }.keys)
        // The recipients whose delivery is recorded unknown at least once: an interrupted attempt, or
        // a request that timed out after it was sent. Only they may have the message twice.
        let unknownUsers = try await Self.strings(
            url,
            """
            SELECT DISTINCT u.external_id FROM notify.events e
            JOIN notify.deliveries d ON d.id = e.delivery_id JOIN notify.users u ON u.id = d.user_id
            WHERE e.kind = 'unknown'
            """)
        let unknownPhones = Set(unknownUsers.compactMap { Int($0.dropFirst("user-".count)).map(Self.phone) })
        let interrupted = try await Self.scalar(
            url,
            "SELECT count(DISTINCT delivery_id)::int FROM notify.events WHERE kind = 'unknown' AND detail ->> 'reason' = 'interrupted_attempt'"
        )
        #expect(sendsPerPhone.count == Self.recipients, "every recipient received the message")
        let unexplained = duplicated.subtracting(unknownPhones)
        #expect(
            unexplained.isEmpty,
            "\(unexplained.count) recipients got the message twice without an unknown outcome on record")
        // Every delivery is recorded sent, or unknown when its attempts ran out on outcomes that were
        // themselves unknown (interrupted or timed out after sending; under a heavily loaded
        // machine the 2 s send timeout can do that eight times); none failed.
        let sentCount = try await Self.scalar(url, "SELECT count(*)::int FROM notify.deliveries WHERE status = 'sent'")
        let gaveUp = try await Self.scalar(
            url, "SELECT count(*)::int FROM notify.deliveries WHERE status = 'unknown' AND reason = 'unknown_outcome'")
        #expect(sentCount + gaveUp == Self.recipients, "sent \(sentCount), unknown after the last attempt \(gaveUp)")
        print(
            "send-crash: \(Self.recipients) recipients, \(accepted.count) accepted sends, \(duplicates) duplicate sends to \(duplicated.count) recipients, \(unknownPhones.count) deliveries recorded unknown (\(interrupted) interrupted attempts)"
        )
        let rescued = try await Self.scalar(url, "SELECT count(*)::int FROM notify.events WHERE kind = 'rescued'")
        let dead = try await Self.strings(url, "SELECT queue || ' ' || errors::text FROM notify.dead_jobs")
        print("send-crash: \(rescued) deliveries rescued from sending by schedule-tick; dead jobs: \(dead)")
        if rescued > 0 {
            let story = try await Self.strings(
                url,
                """
                SELECT e.at::text || ' ' || e.kind || ' ' || e.detail::text FROM notify.events e
                WHERE e.delivery_id = (SELECT delivery_id FROM notify.events WHERE kind = 'rescued' LIMIT 1)
                ORDER BY e.id
                """)
            print("send-crash: a rescued delivery's timeline: \(story)")
            let holderJob = try await Self.strings(
                url,
                """
                SELECT 'job ' || j.id || ' ' || j.state || ' attempt ' || j.attempt || ' run_at ' || j.run_at::text
                       || ' errors ' || j.errors::text
                FROM notify.jobs j
                WHERE j.id = (SELECT substring(detail ->> 'holder' FROM 'job ([0-9]+)')::bigint
                              FROM notify.events WHERE kind = 'rescued' LIMIT 1)
                UNION ALL
                SELECT 'scheduled ' || s.id || ' run_at ' || s.run_at::text FROM notify.scheduled_jobs s
                WHERE s.id = (SELECT substring(detail ->> 'holder' FROM 'job ([0-9]+)')::bigint
                              FROM notify.events WHERE kind = 'rescued' LIMIT 1)
                """)
            print("send-crash: the job that held it: \(holderJob.isEmpty ? "gone (completed)" : holderJob.joined())")
            // What every sender process (killed ones too) logged about that job.
            if let holder = try await Self.strings(
                url,
                "SELECT substring(detail ->> 'holder' FROM 'job ([0-9]+)') FROM notify.events WHERE kind = 'rescued' LIMIT 1"
            ).first {
                for (index, process) in everySender.enumerated() {
                    let lines = process.log.split(separator: "\n").filter { $0.contains("job_id=\(holder) ") }
                    print("send-crash: sender \(index) logged about job \(holder): \(lines.isEmpty ? "nothing" : "")")
                    for line in lines.prefix(20) { print("send-crash:   \(line.prefix(400))") }
                }
            }
        }
        for process in processes + senders { process.signal(SIGTERM) }
        for process in processes + senders { _ = await process.waitForExit() }
    }

    /// Users with phone numbers (sealed with the processes' keys) subscribed to topic `everyone`.
    static func seedRecipients(url: DatabaseURL) async throws {
        let cipher = try ContactCipher.parse(PipelineProcessTests.keys["NOTIFY_ENCRYPTION_KEYS"]!)
        let hasher = try LookupHasher.parse(base64: PipelineProcessTests.keys["NOTIFY_LOOKUP_KEY"]!)
        var ids: [String] = []
        var ciphers: [String] = []
        var hashes: [String] = []
        for n in 0..<recipients {
            let phone = phone(n)
            ids.append("user-\(n)")
            ciphers.append(Data(try cipher.seal(phone)).base64EncodedString())
            hashes.append(Data(hasher.hash(phone, channel: .sms)).base64EncodedString())
        }
        let (userIDs, phoneCiphers, phoneHashes) = (ids, ciphers, hashes)
        try await withClient(url) { client, logger in
            try await client.query(
                """
                INSERT INTO notify.users (tenant_id, external_id, phone_cipher, phone_hash, locale)
                SELECT 'acme', u.id, decode(u.c, 'base64'), decode(u.h, 'base64'), 'en'
                FROM unnest(\(userIDs)::text[], \(phoneCiphers)::text[], \(phoneHashes)::text[]) AS u(id, c, h)
                """, logger: logger)
            try await client.query(
                "INSERT INTO notify.topics (tenant_id, key) VALUES ('acme', 'everyone')", logger: logger)
            try await client.query(
                """
                INSERT INTO notify.topic_subscribers (tenant_id, topic_key, user_id)
                SELECT 'acme', 'everyone', id FROM notify.users WHERE tenant_id = 'acme'
                """, logger: logger)
        }
    }

    /// The phone number of user `user-<n>`.
    static func phone(_ n: Int) -> String { "+1415\(String(format: "%07d", 1_000_000 + n))" }

    static func strings(_ url: DatabaseURL, _ query: PostgresQuery) async throws -> [String] {
        try await withClient(url) { client, logger in
            var values: [String] = []
            for try await row in try await client.query(query, logger: logger).decode(String.self) {
                values.append(row)
            }
            return values
        }
    }

    /// Unfinished deliveries by status, with their latest event, and the send jobs left in the queue
    /// or buried.
    static func stragglers(_ url: DatabaseURL) async throws -> String {
        try await withClient(url) { client, logger in
            var lines: [String] = []
            let rows = try await client.query(
                """
                SELECT d.status || ' attempts=' || d.attempts || ' reason=' || coalesce(d.reason, '-')
                       || ' last_event=' || coalesce((SELECT e.kind || ':' || e.detail::text FROM notify.events e
                                                      WHERE e.delivery_id = d.id ORDER BY e.id DESC LIMIT 1), '-')
                       || ' x' || count(*) OVER (PARTITION BY d.status)
                FROM notify.deliveries d WHERE d.status NOT IN ('sent', 'unknown', 'failed') LIMIT 5
                """, logger: logger)
            for try await line in rows.decode(String.self) { lines.append(line) }
            let jobs = try await client.query(
                """
                SELECT 'job ' || state || ' attempt=' || attempt || ' errors=' || errors::text FROM notify.jobs
                WHERE queue = 'send-sms'
                UNION ALL SELECT 'scheduled ' || run_at::text FROM notify.scheduled_jobs WHERE queue = 'send-sms'
                UNION ALL SELECT 'dead attempts=' || attempts || ' errors=' || errors::text FROM notify.dead_jobs
                LIMIT 20
                """, logger: logger)
            for try await line in jobs.decode(String.self) { lines.append(String(line.prefix(1500))) }
            return lines.joined(separator: "\n")
        }
    }

    static func accepted(_ sandbox: String) async throws -> Int {
        let reply = try await PipelineProcessTests.call(.GET, sandbox + "/sandbox/counts")
        let counts = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: [String: Int]]
        return counts?["twilio"]?["accepted"] ?? 0
    }

    static func scalar(_ url: DatabaseURL, _ query: PostgresQuery) async throws -> Int {
        try await withClient(url) { client, logger in
            var value = 0
            for try await row in try await client.query(query, logger: logger).decode(Int.self) { value = row }
            return value
        }
    }

    static func withClient<T: Sendable>(
        _ url: DatabaseURL, _ body: @Sendable (PostgresClient, Logger) async throws -> T
    ) async throws -> T {
        let logger = TestCluster.logger
        let client = PostgresClient(configuration: url.clientConfiguration(applicationName: "crash-test"))
        return try await client.whileRunning { try await body(client, logger) }
    }

    static func expect(
        _ url: String, _ method: HTTPMethod, _ headers: [String: String], _ body: [String: Any], _ status: Int
    ) async throws {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        let reply = try await PipelineProcessTests.call(method, url, headers, json)
        #expect(reply.status == status, "\(method) \(url): \(reply.body)")
    }
}
