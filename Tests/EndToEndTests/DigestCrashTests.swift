import Foundation
import NIOHTTP1
import NotifyPrivateCluster
import NotifyRuntime
import NotifyTestSupport
import PostgresNIO
import Testing

/// `preference-filter` processes SIGKILLed twice while 600 notifications collect into one
/// user's digest: after replacements run, the digest holds every item once and is released as
/// one message.
@Suite struct DigestCrashTests {
    static let notifications = 600

    @Test func killedCollectorsLoseNothingAndDuplicateNothing() async throws {
        let url = try await TestCluster.freshDatabase()
        let database = url.secretURLString
        let keys = PipelineProcessTests.keys
        let key = try await PipelineProcessTests.onboard(database).key

        let apiPort = try LoopbackPort.pickFree()
        var processes: [NotifyProcess] = []
        processes.append(
            try await NotifyProcess.start(
                ["serve", "--port", String(apiPort)], databaseURL: database, environment: keys))
        processes.append(
            try await NotifyProcess.start(
                ["work", "--functions", "validate,render,send-inapp,digest-close", "--lease-ms", "3000"],
                databaseURL: database, environment: keys))
        func collector() async throws -> NotifyProcess {
            try await NotifyProcess.start(
                ["work", "--functions", "preference-filter", "--no-lead", "--lease-ms", "3000", "--concurrency", "8"],
                databaseURL: database, environment: keys)
        }
        var collectors = [try await collector(), try await collector()]
        defer {
            for process in processes + collectors { process.signal(SIGKILL) }
        }
        let base = "http://127.0.0.1:\(apiPort)"
        let up = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            (try? await PipelineProcessTests.call(.GET, base + "/healthz"))?.status == 200
        }
        #expect(up, "\(processes.map(\.log).joined(separator: "\n---\n").suffix(3000))")
        let auth = ["Authorization": "Bearer \(key)"]
        try await SendCrashTests.expect(base + "/v1/users/ada", .PUT, auth, ["locale": "en"], 201)
        try await SendCrashTests.expect(
            base + "/v1/categories/activity", .PUT, auth,
            [
                "kind": "transactional", "default_channels": ["inapp"],
                "digest": ["window_seconds": 3600, "max_items": Self.notifications, "template": "activity-digest"],
            ], 201)
        try await SendCrashTests.expect(
            base + "/v1/templates/activity/inapp/en/versions?activate=true", .POST, auth, ["title": "{{what}}"], 201)
        try await SendCrashTests.expect(
            base + "/v1/templates/activity-digest/inapp/en/versions?activate=true", .POST, auth,
            ["title": "{{count}} updates", "body": "{{#items}}{{what}};{{/items}}"], 201)

        // The application's own transaction sends them all through the SQL producer.
        _ = try await SendCrashTests.scalar(
            url,
            """
            SELECT count(notify.send('acme', 'activity', ARRAY['ada'], jsonb_build_object('what', 'item-' || n)))::int
            FROM generate_series(1, \(Self.notifications)) AS n
            """)
        let collected: PostgresQuery = "SELECT count(*)::int FROM notify.digest_items"
        var atKills: [Int] = []
        for threshold in [150, 400] {
            let reached = await eventually(timeout: .seconds(120), every: .milliseconds(10)) {
                (try? await SendCrashTests.scalar(url, collected)) ?? 0 >= threshold
            }
            #expect(reached, "\(collectors.map(\.log).joined(separator: "\n---\n").suffix(3000))")
            for process in collectors { process.signal(SIGKILL) }
            for process in collectors { _ = await process.waitForExit() }
            atKills.append(try await SendCrashTests.scalar(url, collected))
            collectors = [try await collector(), try await collector()]
        }
        let released = await eventually(timeout: .seconds(120), every: .milliseconds(100)) {
            (try? await SendCrashTests.scalar(url, "SELECT count(*)::int FROM notify.inbox_items")) ?? 0 >= 1
        }
        #expect(released, "\(processes.map(\.log).joined(separator: "\n---\n").suffix(3000))")
        // Give any stray duplicate a moment to show up before counting.
        try await Task.sleep(for: .seconds(1))
        let n = Self.notifications
        #expect(try await SendCrashTests.scalar(url, "SELECT count(*)::int FROM notify.digests") == 1)
        #expect(
            try await SendCrashTests.scalar(
                url, "SELECT count(*)::int FROM notify.digests WHERE status = 'closed' AND item_count = \(n)") == 1)
        #expect(try await SendCrashTests.scalar(url, collected) == n)
        #expect(
            try await SendCrashTests.scalar(url, "SELECT count(DISTINCT delivery_id)::int FROM notify.digest_items")
                == n)
        #expect(
            try await SendCrashTests.scalar(
                url,
                """
                SELECT count(DISTINCT (i.data ->> 'what'))::int FROM notify.digest_items i
                """) == n)
        #expect(
            try await SendCrashTests.scalar(
                url, "SELECT count(*)::int FROM notify.deliveries WHERE status = 'digested'") == n)
        #expect(try await SendCrashTests.scalar(url, "SELECT count(*)::int FROM notify.inbox_items") == 1)
        #expect(
            try await SendCrashTests.scalar(
                url, "SELECT count(*)::int FROM notify.inbox_items WHERE title = \("\(n) updates")")
                == 1)
        print("digest-crash: \(n) notifications, items collected when the collectors were killed: \(atKills)")
        #expect(atKills.allSatisfy { $0 < n }, "the kills happened while collecting: \(atKills)")
        for process in processes + collectors { process.signal(SIGTERM) }
        for process in processes + collectors { _ = await process.waitForExit() }
    }
}
