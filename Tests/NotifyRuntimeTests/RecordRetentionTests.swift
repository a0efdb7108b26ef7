import NotifyTestSupport
import PostgresNIO
import Testing

@testable import ScheduleTickFunction

/// The tick deletes a tenant's finished notifications past its retention with their deliveries,
/// events and closed digests; it keeps everything of tenants without one, anything still on its
/// way, and reads only what it deletes.
@Suite("Retention of notification records per tenant", .timeLimit(.minutes(2)))
struct RecordRetentionTests {
    let logger = TestCluster.logger

    @Test(
        "finished notifications and closed digests past the tenant's retention are deleted with their rows; the rest stays"
    )
    func expiredRecordsAreDeleted() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            let old = "now() - interval '31 days'"
            for statement in [
                """
                INSERT INTO notify.tenants (id, name, inbox_secret, retention_days)
                VALUES ('acme', 'Acme', '\\x00', 30), ('keep', 'Keep', '\\x00', NULL)
                """,
                "INSERT INTO notify.users (tenant_id, external_id) VALUES ('acme', 'ada'), ('keep', 'bob')",
                """
                INSERT INTO notify.notifications (id, tenant_id, category_key, recipients, status, created_at)
                VALUES ('00000000-0000-0000-0000-000000000001', 'acme', 'old-done', '{}', 'done', \(old)),
                       ('00000000-0000-0000-0000-000000000002', 'acme', 'old-deferred', '{}', 'done', \(old)),
                       ('00000000-0000-0000-0000-000000000003', 'acme', 'old-scheduled', '{}', 'scheduled', \(old)),
                       ('00000000-0000-0000-0000-000000000004', 'acme', 'recent-done', '{}', 'done', now()),
                       ('00000000-0000-0000-0000-000000000005', 'keep', 'old-done', '{}', 'done', \(old))
                """,
                """
                INSERT INTO notify.deliveries (tenant_id, notification_id, user_id, channel, status)
                SELECT n.tenant_id, n.id, u.id, c.channel,
                       CASE WHEN n.category_key = 'old-deferred' THEN 'deferred' ELSE 'delivered' END
                FROM notify.notifications n JOIN notify.users u ON u.tenant_id = n.tenant_id
                CROSS JOIN (VALUES ('sms'), ('email')) AS c(channel)
                """,
                """
                INSERT INTO notify.events (tenant_id, notification_id, kind)
                SELECT n.tenant_id, n.id, k.kind FROM notify.notifications n
                CROSS JOIN (VALUES ('accepted'), ('expanded'), ('sent')) AS k(kind)
                """,
                """
                INSERT INTO notify.digests (tenant_id, user_id, category_key, channel, status, template_key, max_items,
                                            closes_at, closed_at)
                SELECT 'acme', u.id, d.category, 'email', d.status, 'digest', 10, now(), d.closed_at
                FROM notify.users u
                CROSS JOIN (VALUES ('old-closed', 'closed', \(old)), ('recent-closed', 'closed', now()),
                                   ('old-open', 'open', NULL)) AS d(category, status, closed_at)
                WHERE u.tenant_id = 'acme'
                """,
                """
                INSERT INTO notify.digest_items (delivery_id, digest_id, tenant_id, notification_id, position, data)
                SELECT 1000 + g.id, g.id, g.tenant_id, gen_random_uuid(), 1, '{"secret": 1}' FROM notify.digests g
                """,
                // Recent traffic the deletion must not read.
                """
                INSERT INTO notify.notifications (tenant_id, category_key, recipients, status)
                SELECT 'acme', 'traffic', '{}', 'done' FROM generate_series(1, 20000)
                """,
                """
                INSERT INTO notify.deliveries (tenant_id, notification_id, user_id, channel, status)
                SELECT n.tenant_id, n.id, u.id, 'sms', 'delivered' FROM notify.notifications n
                JOIN notify.users u ON u.tenant_id = n.tenant_id WHERE n.category_key = 'traffic'
                """,
                """
                INSERT INTO notify.events (tenant_id, notification_id, kind)
                SELECT tenant_id, id, 'accepted' FROM notify.notifications WHERE category_key = 'traffic'
                """,
                """
                INSERT INTO notify.digests (tenant_id, user_id, category_key, channel, status, template_key, max_items,
                                            closes_at, closed_at)
                SELECT 'acme', u.id, 'traffic-' || g, 'email', CASE WHEN g % 2 = 0 THEN 'closed' ELSE 'open' END,
                       'digest', 10, now(), CASE WHEN g % 2 = 0 THEN now() END
                FROM notify.users u CROSS JOIN generate_series(1, 20000) g WHERE u.tenant_id = 'acme'
                """,
                "ANALYZE notify.notifications",
                "ANALYZE notify.deliveries",
                "ANALYZE notify.events",
                "ANALYZE notify.digests",
            ] {
                try await client.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }

            for statement in [RecordRetention.children, RecordRetention.parents] {
                let plan = try await QueryPlan.of(statement, on: client)
                #expect(plan.sequentialScans.isDisjoint(with: ["notifications", "deliveries", "events", "digests"]))
            }
            #expect(
                try await QueryPlan.of(RecordRetention.children, on: client).indexes.contains("notifications_by_tenant")
            )
            #expect(try await QueryPlan.of(RecordRetention.parents, on: client).indexes.contains("digests_closed"))

            func pair(_ query: PostgresQuery) async throws -> (Int, Int) {
                try await client.query(query, logger: logger).collect()[0].decode((Int, Int).self)
            }
            // A notification is deleted only once its deliveries and events are gone.
            let early = try await pair(RecordRetention.parents)
            #expect(early == (0, 1), "no notification yet; the old closed digest")
            let children = try await pair(RecordRetention.children)
            #expect(children == (2, 3))
            let parents = try await pair(RecordRetention.parents)
            #expect(parents == (1, 0))

            let left = try await client.query(
                """
                SELECT tenant_id || ':' || category_key FROM notify.notifications
                WHERE category_key <> 'traffic' ORDER BY 1
                """, logger: logger
            ).collect().map { try $0.decode(String.self) }
            #expect(left == ["acme:old-deferred", "acme:old-scheduled", "acme:recent-done", "keep:old-done"])
            let counts = try await client.query(
                """
                SELECT (SELECT count(*) FROM notify.deliveries
                        WHERE notification_id = '00000000-0000-0000-0000-000000000001')::int,
                       (SELECT count(*) FROM notify.events
                        WHERE notification_id = '00000000-0000-0000-0000-000000000001')::int,
                       (SELECT count(*) FROM notify.deliveries)::int, (SELECT count(*) FROM notify.events)::int,
                       (SELECT string_agg(category_key, ',' ORDER BY category_key) FROM notify.digests
                        WHERE category_key NOT LIKE 'traffic-%'),
                       (SELECT count(*) FROM notify.digest_items)::int
                """, logger: logger
            ).collect()[0].decode((Int, Int, Int, Int, String, Int).self)
            #expect(counts.0 == 0 && counts.1 == 0)
            #expect(counts.2 == 8 + 20_000, "the other notifications keep their deliveries")
            #expect(counts.3 == 12 + 20_000)
            #expect(counts.4 == "old-open,recent-closed")
            #expect(counts.5 == 2, "the deleted digest's items went with it")
        }
    }
}
