import Foundation
import NotifyAPI
import NotifyTestSupport
import Testing

/// A web app's page calls the inbox API from the browser: CORS for `/v1/inbox…`, none for the
/// tenant API.
@Suite(.serialized) struct InboxCORSTests {
    static let page = "https://app.example.com"

    @Test func aPageOfAnyOriginMayCallTheInboxByDefault() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            // The browser's preflight, before a mark with the signature's headers.
            let preflight = try await engine.request(
                .OPTIONS, "/v1/inbox/items/1/read",
                headers: [
                    "Origin": Self.page, "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "x-notify-tenant,x-notify-user,x-notify-signature",
                ])
            #expect(preflight.status == 204)
            #expect(preflight.headers["access-control-allow-origin"] == "*")
            let headers = preflight.headers["access-control-allow-headers"]?.lowercased() ?? ""
            for name in [
                "x-notify-tenant", "x-notify-user", "x-notify-signature", "x-notify-token", "content-type",
                "last-event-id",
            ] {
                #expect(headers.contains(name), "\(name) in \(headers)")
            }
            #expect(preflight.headers["access-control-allow-methods"]?.contains("PATCH") == true)
            #expect(preflight.headers["access-control-max-age"] == "600")

            var signed = engine.inboxHeaders(acme, user: "ada")
            signed["Origin"] = Self.page
            let list = try await engine.request(.GET, "/v1/inbox", headers: signed)
            #expect(list.status == 200)
            #expect(list.headers["access-control-allow-origin"] == "*")
            // An error answer carries it too, so the page can read why.
            signed["X-Notify-Signature"] = String(repeating: "0", count: 64)
            let refused = try await engine.request(.GET, "/v1/inbox", headers: signed)
            #expect(refused.status == 401)
            #expect(refused.json["code"] as? String == "invalid_signature")
            #expect(refused.headers["access-control-allow-origin"] == "*")
            // Without an Origin header (a backend, a mobile app), nothing changes.
            let plain = try await engine.request(.GET, "/v1/inbox", headers: engine.inboxHeaders(acme, user: "ada"))
            #expect(plain.status == 200)
            #expect(plain.headers["access-control-allow-origin"] == nil)
        }
    }

    @Test func theTenantAPIAnswersNoCORS() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let preflight = try await engine.request(
                .OPTIONS, "/v1/users/ada",
                headers: ["Origin": Self.page, "Access-Control-Request-Method": "PUT"])
            #expect(preflight.status == 405)
            #expect(preflight.headers["access-control-allow-origin"] == nil)
            let user = try await engine.send(.GET, "/v1/users/ada", acme, nil, headers: ["Origin": Self.page])
            #expect(user.status == 200)
            #expect(user.headers["access-control-allow-origin"] == nil)
        }
    }

    @Test func aListOfOriginsAnswersOnlyThose() async throws {
        let origins = try InboxOrigins.parse("https://app.example.com, http://localhost:3000")
        try await Engine.with(inboxOrigins: origins) { engine in
            let acme = try await engine.tenant()
            var signed = engine.inboxHeaders(acme, user: "ada")
            signed["Origin"] = "http://localhost:3000"
            let allowed = try await engine.request(.GET, "/v1/inbox/unread-count", headers: signed)
            #expect(allowed.status == 200)
            #expect(allowed.headers["access-control-allow-origin"] == "http://localhost:3000")
            #expect(allowed.headers["vary"]?.contains("Origin") == true)
            signed["Origin"] = "https://evil.example.net"
            let other = try await engine.request(.GET, "/v1/inbox/unread-count", headers: signed)
            #expect(other.headers["access-control-allow-origin"] == nil)
            let otherPreflight = try await engine.request(
                .OPTIONS, "/v1/inbox",
                headers: ["Origin": "https://evil.example.net", "Access-Control-Request-Method": "GET"])
            #expect(otherPreflight.headers["access-control-allow-origin"] == nil)
        }
    }

    @Test func theOriginListIsCheckedAsOrigins() throws {
        #expect(try InboxOrigins.parse("*") == .any)
        #expect(
            try InboxOrigins.parse(" HTTPS://App.Example.com ,http://localhost:3000")
                == .only(["https://app.example.com", "http://localhost:3000"]))
        for bad in [
            "", "app.example.com", "https://app.example.com/", "https://app.example.com/inbox", "ftp://x.example",
            "*,https://a.example",
        ] {
            #expect(throws: InboxOrigins.Invalid.self, "\(bad)") { try InboxOrigins.parse(bad) }
        }
    }
}
