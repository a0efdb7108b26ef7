import Foundation
import NotifyTestSupport
import PostgresNIO
import Testing

/// What the schema still guarantees without per-row foreign key checks on notifications and
/// deliveries, and with its status checks as domains: parents delete their children, unknown
/// tenants and unknown statuses are refused.
@Suite struct SchemaGuardTests {
    @Test func deletingATenantDeletesItsNotificationsDeliveriesAndInboxOnly() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let other = try await engine.tenant("other")
            var sent: [(Engine.Tenant, String)] = []
            for tenant in [acme, other] {
                let rows = try await engine.runtime.rows(
                    "SELECT notify.send(\(tenant.id), 'welcome', ARRAY['ada'], '{\"name\":\"Gone\"}'::jsonb)::text")
                sent.append((tenant, try rows[0].decode(String.self)))
            }
            for (tenant, id) in sent {
                let view = try await engine.settled(tenant, id)
                #expect((view["channels"] as? [String: [String: Int]])?["inapp"]?["delivered"] == 1)
            }

            try await engine.runtime.client.query(
                "DELETE FROM notify.tenants WHERE id = 'acme'", logger: engine.runtime.logger)

            for table in ["notifications", "deliveries", "inbox_items"] {
                let count = try await engine.runtime.count(
                    PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM notify.\(table)"))
                #expect(count == 1, "notify.\(table) keeps only the other tenant's row")
                let left = try await engine.runtime.count(
                    PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM notify.\(table) WHERE tenant_id = 'other'"))
                #expect(left == 1, "the other tenant's \(table) row is untouched")
            }

            try await engine.runtime.client.query(
                "DELETE FROM notify.notifications WHERE tenant_id = 'other'", logger: engine.runtime.logger)
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.deliveries") == 0)
        }
    }

    @Test func theSQLProducerRefusesATenantThatDoesNotExist() async throws {
        try await Engine.with { engine in
            _ = try await engine.tenant()
            do {
                _ = try await engine.runtime.rows("SELECT notify.send('nobody', 'welcome', ARRAY['ada'])")
                Issue.record("a notification for an unknown tenant was accepted")
            } catch let error as PSQLError {
                #expect(error.serverInfo?[.message] == #"unknown tenant "nobody""#)
                #expect(error.serverInfo?[.hint] == "create it with: notify tenants create")
            }
            #expect(try await engine.runtime.count("SELECT count(*)::int FROM notify.notifications") == 0)
        }
    }

    @Test(arguments: [
        ("UPDATE notify.deliveries SET status = 'lost'", "delivery_status"),
        ("UPDATE notify.notifications SET status = 'lost'", "notification_status"),
        ("INSERT INTO notify.jobs (queue, lane, payload) VALUES ('validate', 3, '{}')", "job_lane"),
        ("INSERT INTO notify.jobs (queue, state, payload) VALUES ('validate', 'lost', '{}')", "job_state"),
    ])
    func aValueOutsideAStatusDomainIsRefused(statement: String, domain: String) async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let id = try await engine.notify(
                acme, ["category": "welcome", "to": ["user": "ada"], "data": ["name": "D"]])
            _ = try await engine.settled(acme, id)
            do {
                try await engine.runtime.client.query(
                    PostgresQuery(unsafeSQL: statement), logger: engine.runtime.logger)
                Issue.record("\(statement) was accepted")
            } catch let error as PSQLError {
                #expect(error.serverInfo?[.sqlState] == "23514")
                #expect(
                    error.serverInfo?[.message]
                        == "value for domain \(domain) violates check constraint \"\(domain)_known\"")
            }
            #expect(
                try await engine.runtime.count(
                    "SELECT count(*)::int FROM notify.deliveries WHERE status = 'delivered'") == 1)
        }
    }
}
