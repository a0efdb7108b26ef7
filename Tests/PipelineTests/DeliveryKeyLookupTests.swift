import Foundation
import NotifySandbox
import NotifyTestSupport
import PostgresNIO
import Testing

/// The pipeline finds a delivery by its key (notification, user, channel), and a status callback
/// by its id or provider message id, never through the index of its user's history.
///
/// Both indexes answer "this notification's delivery to this user". While the statistics say a
/// user has about one delivery (a young table, as after a fresh install and in every benchmark),
/// the planner rated them the same and took the user's index (`deliveries_by_user`, tenant and
/// user), whose lookup reads every delivery the user has; a plan made then is kept until the
/// table is analyzed again. A callback's lookup (by id or by provider message id, one search with
/// OR) went through the same index on its tenant alone: every delivery of the tenant. The lookups
/// now leave the tenant out of the index search and check it on the row found, so only the key's
/// index fits, whatever the statistics.
@Suite struct DeliveryKeyLookupTests {
    @Test func sendsAndCallbacksLookDeliveriesUpByKeyNotThroughTheUsersHistory() async throws {
        try await Engine.with(sandbox: SandboxConfiguration()) { engine in
            let tenant = try await engine.sandboxTenant()
            try await expect(
                engine.put("/v1/categories/welcome", tenant, ["kind": "transactional", "default_channels": ["inapp"]]),
                [201])
            try await expect(
                engine.post(
                    "/v1/templates/welcome/inapp/en/versions?activate=true", tenant,
                    ["title": "Hello", "body": "Welcome aboard"]), [201])
            let rounds = 4
            for round in 1...rounds {
                _ = try await engine.notify(
                    tenant, ["category": "otp", "to": ["user": "ada"], "data": ["code": "12345\(round)"]])
                _ = try await engine.notify(tenant, ["category": "welcome", "to": ["user": "ada"]])
            }
            // Waited for here rather than through the API, whose reads are not the pipeline's. An
            // SMS is delivered once the sandbox's status callbacks have been ingested.
            let done = try await eventually(timeout: .seconds(20), every: .milliseconds(50)) {
                try await engine.runtime.count(
                    """
                    SELECT count(*) FROM notify.deliveries
                    WHERE (channel = 'sms' AND status = 'delivered') OR (channel = 'inapp' AND status IN ('sent', 'delivered'))
                    """) == 2 * rounds
            }
            #expect(done, "every SMS delivered and every in-app delivery sent")
            // Each SMS is looked up by the preference filter, render (its read and its store) and
            // the send claim; each in-app delivery by the same three and the inbox's insert. The
            // engine's sessions report their counts to the statistics within about ten seconds of
            // going idle.
            let expectedKeyLookups = rounds * 8
            _ = try await eventually(timeout: .seconds(30), every: .milliseconds(250)) {
                let scans = try await Self.indexScans(engine)
                return scans.key >= expectedKeyLookups || scans.user > 0
            }
            let scans = try await Self.indexScans(engine)
            #expect(scans.user == 0, "lookups through deliveries_by_user: \(scans.user)")
            #expect(scans.key >= expectedKeyLookups, "lookups by the delivery's key: \(scans.key)")
        }
    }

    /// Scans so far of the delivery key's index and of the user-history index.
    private static func indexScans(_ engine: Engine) async throws -> (key: Int, user: Int) {
        let rows = try await engine.runtime.client.query(
            """
            SELECT indexrelname, idx_scan FROM pg_stat_user_indexes
            WHERE schemaname = 'notify' AND relname = 'deliveries'
              AND indexrelname IN ('deliveries_notification_id_user_id_channel_key', 'deliveries_by_user')
            """, logger: engine.runtime.logger
        ).collect().map { try $0.decode((String, Int64).self) }
        let counts = Dictionary(rows.map { ($0.0, Int($0.1)) }, uniquingKeysWith: +)
        return (counts["deliveries_notification_id_user_id_channel_key"] ?? 0, counts["deliveries_by_user"] ?? 0)
    }
}
