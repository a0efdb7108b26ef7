import NotifyTestSupport
import PostgresNIO
import Testing

@testable import ScheduleTickFunction

/// The tick deletes ingested provider callbacks (their bodies name recipients) and dedup receipts
/// after their retention, keeps callbacks never ingested, and reads only what it deletes.
@Suite("Retention of provider callbacks and receipts", .timeLimit(.minutes(2)))
struct CallbackRetentionTests {
    let logger = TestCluster.logger

    @Test("ingested callbacks and receipts older than the retention are deleted; recent and uningested ones are kept")
    func oldIngestedCallbacksAndReceiptsAreDeleted() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            let old = "now() - make_interval(days => \(CallbackRetention.days + 1))"
            let recent = "now() - make_interval(days => \(CallbackRetention.days - 1))"
            for statement in [
                "INSERT INTO notify.tenants (id, name, inbox_secret) VALUES ('acme', 'Acme', '\\x00')",
                """
                INSERT INTO notify.provider_callbacks (tenant_id, account_id, kind, content_type, body, received_at, ingested_at)
                SELECT 'acme', 'twilio-main', 'twilio', 'application/x-www-form-urlencoded', convert_to(label, 'UTF8'),
                       received_at, ingested_at
                FROM (VALUES ('old-ingested', \(old), \(old)),
                             ('old-not-ingested', \(old), NULL::timestamptz),
                             ('recent-ingested', \(recent), \(recent))) AS c(label, received_at, ingested_at)
                """,
                // Recent traffic the deletion must not read.
                """
                INSERT INTO notify.provider_callbacks (tenant_id, account_id, kind, content_type, body, ingested_at)
                SELECT 'acme', 'twilio-main', 'twilio', 'application/x-www-form-urlencoded', '\\x00', now()
                FROM generate_series(1, 20000)
                """,
                """
                INSERT INTO notify.callback_receipts (account_id, event_key, received_at)
                VALUES ('sendgrid-main', 'old-event', \(old)), ('sendgrid-main', 'recent-event', \(recent))
                """,
                """
                INSERT INTO notify.callback_receipts (account_id, event_key)
                SELECT 'sendgrid-main', 'event-' || g FROM generate_series(1, 20000) g
                """,
                "ANALYZE notify.provider_callbacks",
                "ANALYZE notify.callback_receipts",
            ] {
                try await client.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }

            let plan = try await QueryPlan.of(CallbackRetention.statement, on: client)
            #expect(plan.indexes.isSuperset(of: ["provider_callbacks_by_age", "callback_receipts_by_age"]))
            #expect(plan.sequentialScans.isDisjoint(with: ["provider_callbacks", "callback_receipts"]))

            let counts = try await client.query(CallbackRetention.statement, logger: logger).collect()
            let (callbacks, receipts) = try counts[0].decode((Int, Int).self)
            #expect(callbacks == 1)
            #expect(receipts == 1)

            let kept = try await client.query(
                """
                SELECT convert_from(body, 'UTF8') FROM notify.provider_callbacks
                WHERE length(body) > 1 ORDER BY received_at
                """, logger: logger
            ).collect().map { try $0.decode(String.self) }
            #expect(kept == ["old-not-ingested", "recent-ingested"])
            let events = try await client.query(
                "SELECT event_key FROM notify.callback_receipts WHERE event_key NOT LIKE 'event-%'", logger: logger
            ).collect().map { try $0.decode(String.self) }
            #expect(events == ["recent-event"])
            let remaining = try await client.query(
                """
                SELECT (SELECT count(*) FROM notify.provider_callbacks)::int,
                       (SELECT count(*) FROM notify.callback_receipts)::int
                """, logger: logger
            ).collect()
            let (callbackRows, receiptRows) = try remaining[0].decode((Int, Int).self)
            #expect(callbackRows == 20_002)
            #expect(receiptRows == 20_001)
        }
    }
}
