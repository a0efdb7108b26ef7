import Foundation
import NotifyTestSupport
import Testing

/// `deliver-status-events` end to end: events recorded in the database reach the tenant's
/// receiver over real HTTP, signed, in order, filtered, and only the tenant's own.
@Suite struct StatusDeliveryTests {
    static let kinds = ["accepted", "rendered", "sent", "delivered", "bounced", "opened"]

    @Test func eventsArriveSignedInOrderFilteredAndOnlyTheTenantsOwn() async throws {
        try await StatusEngine.with { engine in
            let acme = try await engine.tenant("acme")
            let globex = try await engine.tenant("globex")
            let before = try await engine.record("acme", ["accepted"])
            let all = try await engine.subscribe(acme, hook: "acme")
            let filtered = try await engine.subscribe(acme, hook: "acme-filtered", kinds: ["delivered", "bounced"])
            let other = try await engine.subscribe(globex, hook: "globex")

            let acmeKinds = (0..<130).map { Self.kinds[$0 % Self.kinds.count] }
            let firstIDs = try await engine.record("acme", Array(acmeKinds[..<60]))
            let globexIDs = try await engine.record("globex", ["sent", "delivered", "opened", "clicked", "bounced"])
            let acmeIDs = firstIDs + (try await engine.record("acme", Array(acmeKinds[60...])))
            let wanted = Set(zip(acmeIDs, acmeKinds).filter { ["delivered", "bounced"].contains($0.1) }.map(\.0))

            let arrived = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
                engine.receiver.acceptedIDs("acme").count >= acmeIDs.count
                    && engine.receiver.acceptedIDs("acme-filtered").count >= wanted.count
                    && engine.receiver.acceptedIDs("globex").count >= globexIDs.count
            }
            try #require(
                arrived, "not every event arrived: \(engine.receiver.acceptedIDs("acme").count) of \(acmeIDs.count)")

            // Everything after the subscription, once, in order; nothing from before it.
            #expect(engine.receiver.acceptedIDs("acme") == acmeIDs)
            #expect(!engine.receiver.acceptedIDs("acme").contains(before[0]))
            #expect(engine.receiver.acceptedIDs("acme-filtered") == wanted.sorted())
            #expect(engine.receiver.acceptedIDs("globex") == globexIDs)

            for (hook, subscription) in [("acme", all), ("acme-filtered", filtered), ("globex", other)] {
                let requests = engine.receiver.requests(hook)
                for request in requests {
                    #expect(throws: Never.self) { try request.verify(secret: subscription.secret) }
                    #expect(request.id?.hasPrefix("evt_\(subscription.id)_") == true)
                    #expect(request.events.count <= 100)
                    for event in request.events {
                        #expect(Set(event.keys) == ["id", "notification_id", "delivery_id", "kind", "detail", "at"])
                    }
                }
                // Another subscription's secret does not verify these.
                if let first = requests.first, subscription.id != other.id {
                    #expect(throws: (any Error).self) { try first.verify(secret: other.secret) }
                }
            }
            #expect(engine.receiver.requests("acme").count >= 2, "130 events need at least two batches")
            let kindsSeen = Set(
                engine.receiver.requests("acme-filtered").flatMap(\.events).compactMap { $0["kind"] as? String })
            #expect(kindsSeen == ["delivered", "bounced"])

            // The cursor moves when the job that posted the last batch commits, just after the POST.
            let caughtUp = try await eventually(timeout: .seconds(10)) {
                let view = try await engine.send(.GET, "/v1/event-subscriptions/\(all.id)", acme)
                return (view.json["last_event_id"] as? NSNumber)?.int64Value == acmeIDs.last
            }
            #expect(caughtUp)
        }
    }

    @Test func aFailingReceiverIsRetriedWithBackoffAndNothingIsLostOrDuplicated() async throws {
        try await StatusEngine.with { engine in
            let acme = try await engine.tenant("acme")
            let subscription = try await engine.subscribe(acme, hook: "flaky")
            engine.receiver.answer("flaky", with: 500)
            let failedIDs = try await engine.record("acme", ["sent", "delivered", "opened", "clicked", "bounced"])

            let retried = await eventually(timeout: .seconds(20), every: .milliseconds(50)) {
                engine.receiver.requests("flaky").count >= 2
            }
            try #require(retried, "the failed batch was not tried again")
            let failing = try await engine.send(.GET, "/v1/event-subscriptions/\(subscription.id)", acme)
            #expect((failing.json["failures"] as? Int ?? 0) >= 1)
            #expect((failing.json["last_error"] as? String)?.contains("webhook_http_500") == true)
            let attempts = engine.receiver.requests("flaky")
            #expect(attempts.allSatisfy { $0.eventIDs == failedIDs }, "a retried batch carries the same events")

            engine.receiver.answer("flaky", with: 204)
            let ids = failedIDs + (try await engine.record("acme", ["sent", "delivered", "unknown"]))
            let recovered = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
                Set(engine.receiver.acceptedIDs("flaky")) == Set(ids)
            }
            try #require(recovered, "delivered after recovery: \(engine.receiver.acceptedIDs("flaky")) of \(ids)")
            #expect(engine.receiver.acceptedIDs("flaky") == ids, "each event accepted exactly once, in order")

            // The receiver has the events as soon as it answers; the job that sent them records the
            // success when it completes, a moment later.
            let healed = try await eventually(timeout: .seconds(10), every: .milliseconds(50)) {
                let healthy = try await engine.send(.GET, "/v1/event-subscriptions/\(subscription.id)", acme)
                return healthy.json["failures"] as? Int == 0 && healthy.json["last_error"] == nil
            }
            #expect(healed, "the subscription still shows its failures after delivering")
        }
    }

    @Test func aSubscriptionIsInFlightWhileItsJobExistsAndRecoversWhenTheJobIsLost() async throws {
        try await StatusEngine.with { engine in
            let acme = try await engine.tenant("acme")
            let subscription = try await engine.subscribe(acme, hook: "acme")
            // In flight for minutes, its job waiting to run (as after a few transient failures).
            _ = try await engine.runtime.rows(
                """
                WITH flag AS (
                    UPDATE notify.event_subscriptions SET in_flight = true, updated_at = now() - interval '2 minutes'
                    WHERE id = \(subscription.id)
                )
                SELECT notify.enqueue('deliver-status-events',
                    jsonb_build_object('tenant_id', 'acme', 'subscription_id', \(subscription.id)),
                    'bulk', now() + interval '25 seconds', 'acme')
                """)
            let ids = try await engine.record("acme", ["delivered"])
            // Ticks after the event is old enough to be dispatched, had the subscription been free.
            let settled = await eventually(timeout: .seconds(10), every: .milliseconds(50)) {
                let old = try? await engine.runtime.count(
                    "SELECT count(*)::int FROM notify.events WHERE at < clock_timestamp() - interval '2 seconds'")
                return old == 1
            }
            try #require(settled)
            let ticks = try await engine.runtime.count("SELECT count(*)::int FROM notify.leader_ticks")
            let ticked = await eventually(timeout: .seconds(10), every: .milliseconds(50)) {
                let now = (try? await engine.runtime.count("SELECT count(*)::int FROM notify.leader_ticks")) ?? 0
                return now >= ticks + 5
            }
            try #require(ticked, "the leader did not tick")
            let waiting = try await engine.runtime.count(
                """
                SELECT count(*)::int FROM notify.event_subscriptions
                WHERE id = \(subscription.id) AND in_flight AND last_error IS NULL
                """)
            #expect(waiting == 1, "a subscription whose job exists stays in flight")
            #expect(engine.receiver.requests("acme").isEmpty)

            // The job is lost (dead-lettered or discarded): the tick notices and delivers again.
            _ = try await engine.runtime.rows("DELETE FROM notify.jobs WHERE queue = 'deliver-status-events'")
            let noticed = await eventually(timeout: .seconds(10), every: .milliseconds(50)) {
                let lost = try? await engine.runtime.count(
                    """
                    SELECT count(*)::int FROM notify.event_subscriptions
                    WHERE id = \(subscription.id) AND last_error LIKE 'job_lost%' AND failures = 1
                    """)
                return lost == 1
            }
            #expect(noticed, "the tick did not clear the lost in-flight flag")
            let delivered = await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
                engine.receiver.acceptedIDs("acme") == ids
            }
            #expect(delivered)
        }
    }
}
