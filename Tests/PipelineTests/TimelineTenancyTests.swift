import Foundation
import NotifyModel
import NotifyTestSupport
import PostgresNIO
import Testing

/// `TimelineWrites.transition` changes only the deliveries of the batch's tenant, and finds them
/// through the deliveries' unique index (notification, user, channel).
@Suite("timeline writes are scoped by tenant", .timeLimit(.minutes(2)))
struct TimelineTenancyTests {
    @Test("a batch naming another tenant changes nothing; its own tenant's batch changes the delivery, by index")
    func transitionMatchesTheTenant() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            for statement in [
                """
                INSERT INTO notify.tenants (id, name, inbox_secret)
                VALUES ('acme', 'Acme', '\\x00'), ('globex', 'Globex', '\\x00')
                """,
                """
                INSERT INTO notify.notifications (tenant_id, category_key, recipients)
                SELECT 'acme', 'news', '{"users":["ada"]}' FROM generate_series(1, 5000)
                """,
                """
                INSERT INTO notify.deliveries (tenant_id, notification_id, user_id, channel, status)
                SELECT 'acme', id, 1, 'inapp', 'pending' FROM notify.notifications
                """,
                "ANALYZE notify.notifications",
                "ANALYZE notify.deliveries",
            ] {
                try await client.query(PostgresQuery(unsafeSQL: statement), logger: TestCluster.logger)
            }
            let notification = try await client.query(
                "SELECT id FROM notify.notifications LIMIT 1", logger: TestCluster.logger
            ).collect()[0].decode(UUID.self)
            func transition(_ tenantID: String) -> PostgresQuery {
                TimelineWrites.transition(
                    DeliveryBatch(tenantID: tenantID, notificationID: notification, channel: .inapp, userIDs: [1]),
                    userIDs: [1], from: ["pending"], to: "dropped", reason: "cancelled", event: "dropped")
            }
            func state() async throws -> (status: String, events: [String]) {
                let status = try await client.query(
                    "SELECT status FROM notify.deliveries WHERE notification_id = \(notification)",
                    logger: TestCluster.logger
                ).collect()[0].decode(String.self)
                let events = try await client.query(
                    "SELECT tenant_id FROM notify.events WHERE notification_id = \(notification)",
                    logger: TestCluster.logger
                ).collect().map { try $0.decode(String.self) }
                return (status, events)
            }

            let plan = try await QueryPlan.of(transition("acme"), on: client)
            #expect(plan.indexes.contains("deliveries_notification_id_user_id_channel_key"), "\(plan.indexes)")
            #expect(!plan.sequentialScans.contains("deliveries"))

            try await client.query(transition("globex"), logger: TestCluster.logger)
            let untouched = try await state()
            #expect(untouched.status == "pending")
            #expect(untouched.events.isEmpty)

            try await client.query(transition("acme"), logger: TestCluster.logger)
            let changed = try await state()
            #expect(changed.status == "dropped")
            #expect(changed.events == ["acme"])
        }
    }
}
