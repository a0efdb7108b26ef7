import Foundation
import NotifyFunctionKit
import NotifyTestSupport
import PostgresNIO
import Testing

@testable import RenderFunction

/// `render` stores content only on deliveries still pending when it writes: one dropped while its
/// statement waited for the row (the tick erasing its content, or a cancellation) stays dropped.
@Suite("Render's store rechecks the delivery", .timeLimit(.minutes(2)))
struct RenderRecheckTests {
    let logger = TestCluster.logger

    @Test("a delivery dropped while render's store waits for its row is not brought back as rendered")
    func droppedWhileWaitingStaysDropped() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            let notification = UUID()
            for statement in [
                "INSERT INTO notify.tenants (id, name, inbox_secret) VALUES ('acme', 'Acme', '\\x00')",
                "INSERT INTO notify.users (tenant_id, external_id) VALUES ('acme', 'ada')",
                """
                INSERT INTO notify.notifications (id, tenant_id, category_key, recipients, status)
                VALUES ('\(notification.uuidString)', 'acme', 'otp', '{}', 'done')
                """,
                """
                INSERT INTO notify.deliveries (tenant_id, notification_id, user_id, channel)
                SELECT 'acme', '\(notification.uuidString)', id, 'sms' FROM notify.users
                """,
            ] {
                try await client.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            let user = try #require(
                try await client.query("SELECT id FROM notify.users", logger: logger).collect().first?.decode(
                    Int64.self))
            let store = MergeableWrite(
                sql: RenderFunction.storeSQL,
                columns: [
                    .uuid([notification]), .text(["sms"]), .bigint([user]), .text([#"{"text":"Your code is 1"}"#]),
                    .text(["acme"]),
                ])
            try await client.withConnection { blocker in
                // The tick's erasure holds the row, dropping it, while render's store reads it as
                // pending and then waits to update it.
                try await blocker.query("BEGIN", logger: logger)
                try await blocker.query(
                    """
                    UPDATE notify.deliveries SET status = 'dropped', reason = 'content_erased', content = NULL
                    WHERE notification_id = \(notification)
                    """, logger: logger)
                let render = Task { try await client.query(store.query, logger: logger) }
                let waiting = try await eventually(timeout: .seconds(20), every: .milliseconds(20)) {
                    try await client.query(
                        """
                        SELECT count(*)::int FROM pg_stat_activity
                        WHERE wait_event_type = 'Lock' AND datname = current_database()
                          AND query LIKE '%SET content = f.content::jsonb%'
                        """, logger: logger
                    ).collect().first?.decode(Int.self) == 1
                }
                #expect(waiting, "render's store waited for the row")
                try await blocker.query("COMMIT", logger: logger)
                _ = try await render.value
            }
            let row = try await client.query(
                "SELECT status, reason, content IS NULL FROM notify.deliveries WHERE notification_id = \(notification)",
                logger: logger
            ).collect()
            let (status, reason, erased) = try row[0].decode((String, String?, Bool).self)
            #expect(status == "dropped" && reason == "content_erased" && erased)
        }
    }
}
