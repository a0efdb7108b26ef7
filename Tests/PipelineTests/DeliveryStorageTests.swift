import Foundation
import Logging
import NotifyTestSupport
import PostgresNIO
import Testing

/// How deliveries and notifications are stored: the status changes every delivery goes through
/// are heap-only updates, which write no index entry.
@Suite struct DeliveryStorageTests {
    @Test func statusChangesOfDeliveriesAndNotificationsAreHeapOnlyUpdates() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            let logger = Logger(label: "test")
            let counts = try await client.withTransaction(logger: logger) { connection in
                _ = try await connection.query(
                    """
                    WITH t AS (INSERT INTO notify.tenants (id, name, inbox_secret) VALUES ('acme', 'Acme', '\\x00') RETURNING id),
                    u AS (INSERT INTO notify.users (tenant_id, external_id) SELECT id, 'ada' FROM t RETURNING id),
                    n AS (
                        INSERT INTO notify.notifications (tenant_id, category_key, recipients, status)
                        SELECT id, 'welcome', '{"users":["ada"]}', 'accepted' FROM t RETURNING id
                    )
                    INSERT INTO notify.deliveries (tenant_id, notification_id, user_id, channel)
                    SELECT 'acme', n.id, u.id, 'inapp' FROM n, u
                    """, logger: logger)
                // The path of an in-app notification: validated, rendered, delivered.
                for statement in [
                    "UPDATE notify.notifications SET status = 'done', recipient_count = 1, updated_at = now()",
                    "UPDATE notify.deliveries SET status = 'rendered', content = '{\"title\":\"Hi\"}', updated_at = now()",
                    "UPDATE notify.deliveries SET status = 'delivered', provider = 'inapp', updated_at = now()",
                ] {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                let rows = try await connection.query(
                    """
                    SELECT pg_stat_get_xact_tuples_updated('notify.deliveries'::regclass),
                           pg_stat_get_xact_tuples_hot_updated('notify.deliveries'::regclass),
                           pg_stat_get_xact_tuples_hot_updated('notify.notifications'::regclass)
                    """, logger: logger
                ).collect()
                return try rows[0].decode((Int64, Int64, Int64).self)
            }
            #expect(counts.0 == 2)
            #expect(counts.1 == 2, "a delivery's status change wrote index entries")
            #expect(counts.2 == 1, "a notification's status change wrote index entries")
        }
    }

    @Test func noIndexOfDeliveriesDependsOnTheirStatus() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            let rows = try await client.query(
                "SELECT indexname FROM pg_indexes WHERE schemaname = 'notify' AND tablename = 'deliveries' AND indexdef LIKE '%status%'",
                logger: Logger(label: "test")
            ).collect()
            #expect(rows.isEmpty)
        }
    }
}
