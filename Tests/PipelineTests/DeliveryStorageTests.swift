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

    @Test func aSendsClaimAndOutcomeAreHeapOnlyUpdates() async throws {
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
                        SELECT id, 'otp', '{"users":["ada"]}', 'done' FROM t RETURNING id
                    )
                    INSERT INTO notify.deliveries (tenant_id, notification_id, user_id, channel, status, content)
                    SELECT 'acme', n.id, u.id, 'sms', 'rendered', '{"text":"Your code is 1"}' FROM n, u
                    """, logger: logger)
                // What the send step's claim and outcome write, then the provider's callback.
                for statement in [
                    """
                    UPDATE notify.deliveries SET status = 'sending', attempts = attempts + 1,
                        sending_since = clock_timestamp(), reason = 'job-1', updated_at = now()
                    """,
                    """
                    UPDATE notify.deliveries SET status = 'sent', reason = NULL, provider_account_id = 'twilio-main',
                        provider = 'twilio', provider_message_id = 'SM1', cost_micros = 7900, sending_since = NULL,
                        updated_at = now()
                    """,
                    "UPDATE notify.deliveries SET status = 'delivered', updated_at = now()",
                ] {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                let rows = try await connection.query(
                    """
                    SELECT pg_stat_get_xact_tuples_updated('notify.deliveries'::regclass),
                           pg_stat_get_xact_tuples_hot_updated('notify.deliveries'::regclass)
                    """, logger: logger
                ).collect()
                return try rows[0].decode((Int64, Int64).self)
            }
            #expect(counts.0 == 3)
            #expect(counts.1 == 3, "a send's update of its delivery wrote index entries")
        }
    }

    /// The columns a send's claim and outcome write (migration 33): an index on any of them, even
    /// in a predicate or an expression, would make both updates full ones.
    @Test func noIndexOfDeliveriesCoversWhatASendWrites() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            let written = [
                "status", "attempts", "sending_since", "reason", "provider_account_id", "provider",
                "provider_message_id", "cost_micros", "updated_at",
            ]
            let rows = try await client.query(
                """
                SELECT i.indexrelid::regclass::text FROM pg_index i
                WHERE i.indrelid = 'notify.deliveries'::regclass
                  AND (i.indpred IS NOT NULL OR i.indexprs IS NOT NULL
                       OR EXISTS (SELECT 1 FROM pg_attribute a
                                  WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey::int2[])
                                    AND a.attname = ANY(\(written)::text[])))
                """,
                logger: Logger(label: "test")
            ).collect()
            #expect(try rows.map { try $0.decode(String.self) } == [])
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
