import Foundation
import NotifyProviders
import Testing

/// Provider accounts and routes are a tenant's own: another tenant's key can neither read, change,
/// delete nor route through them, and no answer shows an account's configuration.
@Suite(.serialized) struct ProviderTenancyTests {
    static func webhookAccount(secret: String, url: String) -> [String: Any] {
        ["kind": "webhook", "config": ["signing_secret": secret], "sender": ["url": url]]
    }

    @Test func anotherTenantCannotUseOrSeeAProviderAccount() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant("acme")
            let globex = try await engine.tenant("globex", seed: false)
            let secret = StandardWebhookSignature.generateSecret()
            let created = try expect(
                try await engine.put(
                    "/v1/providers/acme-hook", acme, Self.webhookAccount(secret: secret, url: "https://acme.example/h")),
                [201])
            #expect(!created.text.contains(secret))
            try expect(
                try await engine.put("/v1/routes/webhook", acme, ["providers": [["provider": "acme-hook"]]]), [200])

            #expect(try await engine.get("/v1/providers/acme-hook", globex).status == 404)
            let listed = try expect(try await engine.get("/v1/providers", globex), [200])
            #expect((listed.json["providers"] as? [Any])?.isEmpty == true)
            #expect(try await engine.delete("/v1/providers/acme-hook", globex).status == 404)
            // Taking the id over is refused and leaves acme's account as it was.
            let takeover = try await engine.put(
                "/v1/providers/acme-hook", globex,
                Self.webhookAccount(secret: StandardWebhookSignature.generateSecret(), url: "https://evil.example/h"))
            #expect(takeover.status == 409)
            let mine = try expect(try await engine.get("/v1/providers/acme-hook", acme), [200])
            #expect((mine.json["sender"] as? [String: Any])?["url"] as? String == "https://acme.example/h")
            #expect(!mine.text.contains(secret))
            // Routing through acme's account is refused; globex's route stays empty.
            let route = try await engine.put(
                "/v1/routes/webhook", globex, ["providers": [["provider": "acme-hook"]]])
            #expect(route.status == 422)
            #expect(route.json["code"] as? String == "unknown_provider")
            let routes = try expect(try await engine.get("/v1/routes/webhook", globex), [200])
            #expect((routes.json["providers"] as? [Any])?.isEmpty == true)
            let acmeRoute = try expect(try await engine.get("/v1/routes/webhook", acme), [200])
            #expect((acmeRoute.json["providers"] as? [Any])?.count == 1)
        }
    }
}
