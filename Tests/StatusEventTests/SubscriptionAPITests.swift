import Foundation
import NotifyTestSupport
import Testing

/// The `/v1/event-subscriptions` routes: the secret is shown once, inputs are checked, and every
/// route is scoped to the caller's tenant.
@Suite struct SubscriptionAPITests {
    @Test func secretIsShownOnceAndStoredEncrypted() async throws {
        try await StatusEngine.with { engine in
            let key = try await engine.tenant("acme")
            let created = try await engine.subscribe(key, hook: "acme", kinds: ["delivered", "bounced", "delivered"])
            #expect(created.id.hasPrefix("sub_"))
            #expect(created.secret.hasPrefix("whsec_"))

            let one = try await engine.send(.GET, "/v1/event-subscriptions/\(created.id)", key)
            try one.expect(200)
            #expect(one.json["kinds"] as? [String] == ["delivered", "bounced"])
            #expect(one.json["enabled"] as? Bool == true)
            let list = try await engine.send(.GET, "/v1/event-subscriptions", key)
            try list.expect(200)
            #expect((list.json["subscriptions"] as? [[String: Any]])?.count == 1)
            for reply in [one, list] {
                #expect(!reply.text.contains("whsec_"))
                #expect(reply.json["secret"] == nil)
            }
            let plaintextStored = try await engine.runtime.count(
                """
                SELECT count(*)::int FROM notify.event_subscriptions
                WHERE position(convert_to(\(created.secret), 'UTF8') IN secret_cipher) > 0
                """)
            #expect(plaintextStored == 0)

            let rotated = try await engine.send(.POST, "/v1/event-subscriptions/\(created.id)/rotate-secret", key)
            try rotated.expect(200)
            let newSecret = try #require(rotated.json["secret"] as? String)
            #expect(newSecret.hasPrefix("whsec_") && newSecret != created.secret)
            let after = try await engine.send(.GET, "/v1/event-subscriptions/\(created.id)", key)
            #expect(!after.text.contains("whsec_"))

            try await engine.send(.DELETE, "/v1/event-subscriptions/\(created.id)", key).expect(204)
            try await engine.send(.GET, "/v1/event-subscriptions/\(created.id)", key).expect(404)
        }
    }

    @Test(
        arguments: [
            (["url": "ftp://example.com/hook"], "invalid_url"),
            (["url": "/relative/path"], "invalid_url"),
            (["url": "https://example.com/hook", "kinds": ["Delivered!"]], "invalid_kinds"),
            (["url": "https://example.com/hook", "secret": "whsec_mine"], "unknown_field"),
            (["kinds": ["delivered"]], "invalid_body"),
        ] as [([String: any Sendable], String)])
    func invalidRequestsAreRefusedWithAStableCode(body: [String: any Sendable], code: String) async throws {
        try await StatusEngine.with { engine in
            let key = try await engine.tenant("acme")
            let reply = try await engine.send(.POST, "/v1/event-subscriptions", key, body)
            try reply.expect(400)
            #expect(reply.json["code"] as? String == code)
            #expect((reply.json["detail"] as? String)?.isEmpty == false)
        }
    }

    @Test func aTenantCannotReadRotateOrDeleteAnotherTenantsSubscription() async throws {
        try await StatusEngine.with { engine in
            let acme = try await engine.tenant("acme")
            let globex = try await engine.tenant("globex")
            let created = try await engine.subscribe(acme, hook: "acme")
            let path = "/v1/event-subscriptions/\(created.id)"

            let read = try await engine.send(.GET, path, globex)
            try read.expect(404)
            #expect(read.json["code"] as? String == "event_subscription_not_found")
            try await engine.send(.POST, path + "/rotate-secret", globex).expect(404)
            try await engine.send(.DELETE, path, globex).expect(404)
            let list = try await engine.send(.GET, "/v1/event-subscriptions", globex)
            #expect((list.json["subscriptions"] as? [[String: Any]])?.isEmpty == true)

            // Still there, unchanged, for its owner.
            try await engine.send(.GET, path, acme).expect(200)
        }
    }
}
