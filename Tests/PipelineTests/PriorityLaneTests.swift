import Foundation
import NotifyTestSupport
import PostgresNIO
import Testing

/// A notification's first job runs in its category's lane, from the API and from SQL alike.
@Suite(.serialized) struct PriorityLaneTests {
    @Test func criticalAndMarketingCategoriesChooseTheLaneOfTheFirstJob() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try await engine.criticalCategory(acme)
            try expect(
                try await engine.put(
                    "/v1/categories/promo", acme, ["kind": "marketing", "default_channels": ["inapp"]]),
                [201])
            let later = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))
            // Scheduled an hour ahead, so each validate job waits where its lane can be read.
            for (category, priority) in [("otp", nil), ("promo", nil), ("welcome", nil), ("promo", "critical")]
                as [(String, String?)]
            {
                var body: [String: Any] = [
                    "category": category, "to": ["user": "ada"], "template": "welcome", "send_at": later,
                ]
                if let priority { body["priority"] = priority }
                _ = try await engine.notify(acme, body)
            }
            for category in ["otp", "promo", "welcome"] {
                try await engine.runtime.client.query(
                    """
                    SELECT notify.send('acme', \(category), ARRAY['ada'], p_template => 'welcome',
                                       p_send_at => now() + interval '1 hour')
                    """, logger: engine.runtime.logger)
            }
            let lanes = try await engine.runtime.rows(
                """
                SELECT n.category_key, coalesce(n.lane, '-'), j.lane::int, n.events_via
                FROM (SELECT n.*, (SELECT detail ->> 'via' FROM notify.events e WHERE e.notification_id = n.id ORDER BY id LIMIT 1) AS events_via
                      FROM notify.notifications n) n
                JOIN (SELECT lane, (payload::jsonb ->> 'notification_id')::uuid AS id FROM notify.jobs
                      UNION ALL SELECT lane, (payload::jsonb ->> 'notification_id')::uuid FROM notify.scheduled_jobs) j
                  ON j.id = n.id
                ORDER BY 4, 1, 2
                """
            ).map { try $0.decode((String, String, Int, String).self) }
            let seen = lanes.map { "\($0.3) \($0.0) \($0.1) -> \($0.2)" }
            #expect(
                seen == [
                    "api otp - -> 0", "api promo - -> 2", "api promo critical -> 0", "api welcome - -> 1",
                    "sql otp - -> 0", "sql promo - -> 2", "sql welcome - -> 1",
                ])
        }
    }
}
