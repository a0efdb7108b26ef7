import Foundation
import NotifyTestSupport
import PostgresNIO
import Testing

/// A notification whose recipients fit in one delivery batch is filtered, rendered and delivered
/// inside its `validate` job (its batches name new deliveries, see `DeliveryBatch.newDeliveries`);
/// a larger one still fans out into `preference-filter` jobs.
@Suite(.serialized) struct OneJobNotificationTests {
    /// The queues of the job rows inserted since `logJobInserts()`, sorted.
    static func insertedQueues(_ engine: Engine) async throws -> [String] {
        try await engine.runtime.rows("SELECT queue FROM public.job_inserts ORDER BY queue")
            .map { try $0.decode(String.self) }
    }

    @Test func aOneUserNotificationIsOneJobAndItsTimelineIsComplete() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try await engine.runtime.logJobInserts()
            let id = try await engine.notify(
                acme, ["category": "welcome", "to": ["user": "ada"], "data": ["name": "Ada"]])
            let view = try await engine.settled(acme, id)
            #expect((view["channels"] as? [String: [String: Int]])?["inapp"]?["delivered"] == 1)
            #expect(engine.timelineKinds(view) == ["accepted", "expanded", "delivered"])
            #expect(try await engine.inbox(acme).first?["title"] as? String == "Hello Ada")
            #expect(try await Self.insertedQueues(engine) == ["validate"])
        }
    }

    @Test func aDropInsideTheValidateJobIsRecordedAndTheOtherRecipientDelivered() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try expect(try await engine.put("/v1/users/bob", acme, ["locale": "en"]), [201])
            try expect(
                try await engine.put("/v1/users/ada/preferences", acme, ["channels": ["welcome": ["inapp": false]]]),
                [200])
            try await engine.runtime.logJobInserts()
            let id = try await engine.notify(
                acme, ["category": "welcome", "to": ["users": ["ada", "bob"]], "data": ["name": "all"]])
            let view = try await engine.settled(acme, id)
            let inapp = (view["channels"] as? [String: [String: Int]])?["inapp"]
            #expect(inapp?["delivered"] == 1 && inapp?["dropped"] == 1)
            let reasons = try await engine.runtime.rows(
                """
                SELECT u.external_id, d.status, d.reason FROM notify.deliveries d
                JOIN notify.users u ON u.id = d.user_id ORDER BY u.external_id
                """
            ).map { try $0.decode((String, String, String?).self) }
            #expect(reasons.map(\.0) == ["ada", "bob"])
            #expect(reasons.map(\.1) == ["dropped", "delivered"])
            #expect(reasons.first?.2 == "opted_out")
            let dropped = try await engine.runtime.count(
                "SELECT count(*)::int FROM notify.events WHERE kind = 'dropped' AND detail->>'reason' = 'opted_out'")
            #expect(dropped == 1)
            #expect(try await engine.inbox(acme, user: "bob").count == 1)
            #expect(try await engine.inbox(acme, user: "ada").isEmpty)
            #expect(try await Self.insertedQueues(engine) == ["validate"])
        }
    }

    @Test func aNotificationLargerThanOneBatchFansOutIntoFilterJobs() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try await engine.runtime.client.query(
                """
                INSERT INTO notify.users (tenant_id, external_id, locale)
                SELECT \(acme.id), 'user-' || g, 'en' FROM generate_series(1, 251) g
                """, logger: engine.runtime.logger)
            try await engine.runtime.logJobInserts()
            let users = (1...251).map { "user-\($0)" }
            let id = try await engine.notify(
                acme, ["category": "welcome", "to": ["users": users], "data": ["name": "everyone"]])
            let view = try await engine.settled(acme, id)
            #expect((view["channels"] as? [String: [String: Int]])?["inapp"]?["delivered"] == 251)
            #expect(
                try await engine.runtime.count("SELECT count(*)::int FROM notify.inbox_items WHERE tenant_id = 'acme'")
                    == 251)
            let queues = try await Self.insertedQueues(engine)
            #expect(queues.filter { $0 == "preference-filter" }.count == 2, "\(queues)")
            #expect(queues.filter { $0 == "validate" }.count == 1, "\(queues)")
        }
    }
}
