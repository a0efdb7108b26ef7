import Foundation
import NotifyAPI
import NotifyModel
import NotifyTestSupport
import Testing

/// A tenant replaces its inbox secret: the signatures clients hold keep passing for the overlap,
/// or stop at once for a secret that leaked.
@Suite(.serialized) struct InboxSecretRotationTests {
    func status(_ engine: Engine, _ tenant: Engine.Tenant, secret: [UInt8]) async throws -> Int {
        let headers = [
            "X-Notify-Tenant": tenant.id, "X-Notify-User": "ada",
            "X-Notify-Signature": InboxSignature.sign(userID: "ada", secret: secret),
        ]
        return try await engine.request(.GET, "/v1/inbox/unread-count", headers: headers).status
    }

    @Test func theReplacedSecretPassesForItsOverlapAndOnlyTheLastOneDoes() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let admin = TenantAdmin(client: engine.runtime.client, logger: engine.runtime.logger)
            let first = acme.inboxSecret
            #expect(try await status(engine, acme, secret: first) == 200)

            let second = Array(hexBytes: try await admin.rotateInboxSecret(tenantID: "acme", keepingPreviousFor: 24))
            #expect(second != first)
            #expect(try await status(engine, acme, secret: second) == 200)
            #expect(try await status(engine, acme, secret: first) == 200)

            // Another rotation keeps only the secret it replaces.
            let third = Array(hexBytes: try await admin.rotateInboxSecret(tenantID: "acme", keepingPreviousFor: 24))
            #expect(try await status(engine, acme, secret: third) == 200)
            #expect(try await status(engine, acme, secret: second) == 200)
            #expect(try await status(engine, acme, secret: first) == 401)

            // A leaked secret: no overlap.
            let fourth = Array(hexBytes: try await admin.rotateInboxSecret(tenantID: "acme", keepingPreviousFor: 0))
            #expect(try await status(engine, acme, secret: fourth) == 200)
            #expect(try await status(engine, acme, secret: third) == 401)
            #expect(try await status(engine, acme, secret: second) == 401)
        }
    }

    @Test func anOverlapThatHasEndedNoLongerPasses() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let admin = TenantAdmin(client: engine.runtime.client, logger: engine.runtime.logger)
            let next = Array(hexBytes: try await admin.rotateInboxSecret(tenantID: "acme", keepingPreviousFor: 1))
            #expect(try await status(engine, acme, secret: acme.inboxSecret) == 200)
            // As if the hour had passed.
            _ = try await engine.runtime.rows(
                "UPDATE notify.tenants SET previous_inbox_secret_until = now() - interval '1 second' WHERE id = 'acme'")
            #expect(try await status(engine, acme, secret: acme.inboxSecret) == 401)
            #expect(try await status(engine, acme, secret: next) == 200)
        }
    }

    @Test func anUnknownTenantOrOverlapIsRefused() async throws {
        try await Engine.with { engine in
            _ = try await engine.tenant()
            let admin = TenantAdmin(client: engine.runtime.client, logger: engine.runtime.logger)
            await #expect(throws: ModelError.self) {
                _ = try await admin.rotateInboxSecret(tenantID: "nobody", keepingPreviousFor: 24)
            }
            for hours in [-1, 721] {
                let error = await #expect(throws: ModelError.self) {
                    _ = try await admin.rotateInboxSecret(tenantID: "acme", keepingPreviousFor: hours)
                }
                #expect(error?.code == "invalid_overlap")
            }
        }
    }
}
