import Foundation
import NotifyFunctionKit
import NotifyModel
import NotifyTestSupport
import PostgresNIO
import SendInAppFunction
import Testing

/// The in-app send of several jobs committed as one merged statement, as the runtime commits jobs
/// that complete together.
@Suite struct MergedDeliveryTests {
    @Test func mergedInAppSendsDeliverEachJobAndDropWhatACancelledNotificationRendered() async throws {
        try await Engine.with { engine in
            let tenant = try await engine.tenant()
            try await expect(engine.put("/v1/users/bob", tenant, ["locale": "en"]), [201])
            let runtime = engine.runtime
            /// A notification with a rendered in-app delivery to `user`, in `status`.
            func rendered(_ user: String, status: String) async throws -> DeliveryBatch {
                let rows = try await runtime.rows(
                    """
                    WITH n AS (
                        INSERT INTO notify.notifications (tenant_id, category_key, recipients, status)
                        VALUES (\(tenant.id), 'welcome', '{"users":[]}', \(status)) RETURNING id
                    ), u AS (SELECT id FROM notify.users WHERE tenant_id = \(tenant.id) AND external_id = \(user))
                    INSERT INTO notify.deliveries (tenant_id, notification_id, user_id, channel, status, content)
                    SELECT \(tenant.id), n.id, u.id, 'inapp', 'rendered', '{"title":"Hi","body":"There"}'
                    FROM n, u RETURNING notification_id, user_id
                    """)
                let (notificationID, userID) = try rows[0].decode((UUID, Int64).self)
                var batch = DeliveryBatch(
                    tenantID: tenant.id, notificationID: notificationID, channel: .inapp, userIDs: [userID])
                batch.timedFallback = false
                return batch
            }
            let batches = [
                try await rendered("ada", status: "done"), try await rendered("bob", status: "done"),
                try await rendered("ada", status: "cancelled"),
            ]
            let context = FunctionContext(
                jobID: 1, attempt: 1, maxAttempts: 5, deadline: .now + .seconds(30), tenantID: tenant.id,
                lane: .transactional, logger: runtime.logger, database: FunctionDatabase(client: runtime.client),
                clock: SystemClock())
            var writes: [MergeableWrite] = []
            for batch in batches {
                let output = try await SendInAppFunction().handle(batch, context: context)
                #expect(output.writes.count == 1)
                writes.append(try #require(output.mergeableWrite(at: 0)))
            }
            let merged = try #require(MergeableWrite.merged(writes))
            #expect(merged.rowCount == 3)
            // Twice: a replay inserts nothing twice.
            for _ in 0..<2 { _ = try await runtime.client.query(merged.query, logger: runtime.logger).collect() }

            #expect(
                try await runtime.count("SELECT count(*) FROM notify.inbox_items WHERE tenant_id = \(tenant.id)") == 2)
            for (batch, expected) in zip(batches, ["delivered", "delivered", "dropped"]) {
                let rows = try await runtime.rows(
                    "SELECT status, reason FROM notify.deliveries WHERE notification_id = \(batch.notificationID)")
                let (status, reason) = try rows[0].decode((String, String?).self)
                #expect(status == expected)
                #expect(reason == (expected == "dropped" ? "cancelled" : nil))
                let events = try await runtime.count(
                    "SELECT count(*) FROM notify.events WHERE notification_id = \(batch.notificationID) AND kind = \(expected)"
                )
                #expect(events == 1)
            }
        }
    }
}
