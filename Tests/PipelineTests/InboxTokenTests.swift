import Foundation
import NotifyAPI
import NotifyModel
import NotifyTestSupport
import Testing

/// Expiring inbox tokens beside the signatures, and a tenant that takes only tokens.
@Suite(.serialized) struct InboxTokenTests {
    func count(_ engine: Engine, _ headers: [String: String]) async throws -> Engine.Reply {
        try await engine.request(.GET, "/v1/inbox/unread-count", headers: headers)
    }

    func token(_ tenant: Engine.Tenant, user: String = "ada", in seconds: TimeInterval = 600) async throws -> String {
        try await InboxToken.sign(userID: user, expires: Date().addingTimeInterval(seconds), secret: tenant.inboxSecret)
    }

    @Test func aTokenNamesItsUserUntilItExpires() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let valid = try await token(acme)
            #expect(try await count(engine, ["X-Notify-Tenant": "acme", "X-Notify-Token": valid]).status == 200)
            // The same user named beside it is fine; another user is not.
            #expect(
                try await count(engine, ["X-Notify-Tenant": "acme", "X-Notify-User": "ada", "X-Notify-Token": valid])
                    .status == 200)
            let other = try await count(
                engine, ["X-Notify-Tenant": "acme", "X-Notify-User": "bob", "X-Notify-Token": valid])
            #expect(other.status == 401)
            #expect(other.json["code"] as? String == "invalid_token")

            let expired = try await count(
                engine, ["X-Notify-Tenant": "acme", "X-Notify-Token": try await token(acme, in: -5)])
            #expect(expired.status == 401)
            #expect(expired.json["code"] as? String == "token_expired")
            let forged = try await InboxToken.sign(
                userID: "ada", expires: Date().addingTimeInterval(600), secret: Array(repeating: 7, count: 32))
            for bad in [forged, "not.a.jwt", valid + "x"] {
                let refused = try await count(engine, ["X-Notify-Tenant": "acme", "X-Notify-Token": bad])
                #expect(refused.status == 401, "\(bad)")
                #expect(refused.json["code"] as? String == "invalid_token", "\(bad)")
            }
            // Another tenant's name with this tenant's token: its secret does not sign it.
            _ = try await engine.tenant("globex")
            let crossed = try await count(engine, ["X-Notify-Tenant": "globex", "X-Notify-Token": valid])
            #expect(crossed.status == 401)

            // In the query too, for EventSource, which cannot set headers.
            #expect(try await engine.request(.GET, "/v1/inbox?tenant=acme&token=\(valid)").status == 200)
        }
    }

    @Test func aTenantThatTakesOnlyTokensRefusesSignatures() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let admin = TenantAdmin(client: engine.runtime.client, logger: engine.runtime.logger)
            try await admin.setInboxAuth(tenantID: "acme", "token")
            let signed = try await count(engine, engine.inboxHeaders(acme, user: "ada"))
            #expect(signed.status == 401)
            #expect(signed.json["code"] as? String == "token_required")
            #expect(
                try await count(engine, ["X-Notify-Tenant": "acme", "X-Notify-Token": try await token(acme)]).status
                    == 200)
            // After a rotation, tokens signed with the replaced secret pass for its overlap.
            let old = try await token(acme)
            _ = try await admin.rotateInboxSecret(tenantID: "acme", keepingPreviousFor: 1)
            #expect(try await count(engine, ["X-Notify-Tenant": "acme", "X-Notify-Token": old]).status == 200)
            try await admin.setInboxAuth(tenantID: "acme", "signature_or_token")
            await #expect(throws: ModelError.self) { try await admin.setInboxAuth(tenantID: "acme", "cookies") }
            await #expect(throws: ModelError.self) { try await admin.setInboxAuth(tenantID: "nobody", "token") }
        }
    }
}
