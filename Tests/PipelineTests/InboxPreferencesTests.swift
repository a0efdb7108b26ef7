import Foundation
import Testing

/// The end user's own preference center: `GET` and `PATCH /v1/inbox/preferences` with the inbox
/// signature, and the pipeline following what the user chose.
@Suite(.serialized) struct InboxPreferencesTests {
    @Test func theUserSeesTheCategoriesAndOptsOutAndTheNextMessageIsDropped() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try await engine.criticalCategory(acme)
            let ada = engine.inboxHeaders(acme, user: "ada")
            // The tenant's frequency caps, which the user's changes keep.
            try expect(
                try await engine.put(
                    "/v1/users/ada/preferences", acme,
                    ["frequency_caps": ["welcome": ["limit": 5, "window_seconds": 3600]]]), [200])

            let initial = try await engine.request(.GET, "/v1/inbox/preferences", headers: ada).json
            let categories = initial["categories"] as? [[String: Any]] ?? []
            let welcome = try #require(categories.first { $0["key"] as? String == "welcome" })
            #expect(welcome["kind"] as? String == "transactional")
            #expect(welcome["critical"] as? Bool == false)
            #expect(welcome["channels"] as? [String] == ["inapp"])
            #expect(categories.contains { $0["critical"] as? Bool == true })
            #expect((initial["channels"] as? [String: Any])?.isEmpty == true)
            #expect(initial["quiet_hours"] is NSNull)

            let body = try JSONSerialization.data(withJSONObject: ["channels": ["welcome": ["inapp": false]]])
            let changed = try await engine.request(.PATCH, "/v1/inbox/preferences", headers: ada, body: body)
            #expect(changed.status == 200, "\(changed.text)")
            #expect((changed.json["channels"] as? [String: [String: Bool]])?["welcome"]?["inapp"] == false)
            let tenantView = try await engine.get("/v1/users/ada/preferences", acme).json
            #expect((tenantView["frequency_caps"] as? [String: Any])?["welcome"] != nil)

            let id = try await engine.notify(
                acme, ["category": "welcome", "to": ["user": "ada"], "data": ["name": "x"]])
            let settled = try await engine.settled(acme, id)
            #expect((settled["channels"] as? [String: [String: Int]])?["inapp"]?["dropped"] == 1)
            #expect(try await engine.inbox(acme).isEmpty)
        }
    }

    @Test func quietHoursAreSetAndClearedAndBadChangesSayWhatToFix() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let ada = engine.inboxHeaders(acme, user: "ada")
            func patch(_ json: Any) async throws -> Engine.Reply {
                try await engine.request(
                    .PATCH, "/v1/inbox/preferences", headers: ada,
                    body: try JSONSerialization.data(withJSONObject: json))
            }
            try expect(try await patch(["channels": ["welcome": ["email": false]]]), [200])
            let quiet = try expect(try await patch(["quiet_hours": ["start": "22:00", "end": "07:00"]]), [200])
            let hours = quiet.json["quiet_hours"] as? [String: Any]
            #expect(hours?["timezone"] as? String == "Europe/Berlin")
            #expect((quiet.json["channels"] as? [String: [String: Bool]])?["welcome"]?["email"] == false)
            let cleared = try expect(try await patch(["quiet_hours": NSNull()]), [200])
            #expect(cleared.json["quiet_hours"] is NSNull)
            #expect((cleared.json["channels"] as? [String: [String: Bool]])?["welcome"]?["email"] == false)

            for (json, code) in [
                (["channels": ["nope": ["email": false]]] as [String: Any], "unknown_category"),
                (["channels": ["welcome": ["fax": false]]], "unknown_channel"),
                ([:], "empty_change"),
                (["frequency_caps": [:] as [String: Any]], "unknown_field"),
                (["quiet_hours": ["start": "25:00", "end": "07:00"]], "invalid_quiet_hours"),
            ] {
                let reply = try await patch(json)
                #expect(reply.status == 400, "\(json): \(reply.text)")
                #expect(reply.json["code"] as? String == code, "\(json): \(reply.text)")
            }
            var wrong = ada
            wrong["X-Notify-Signature"] = String(repeating: "0", count: 64)
            #expect(try await engine.request(.GET, "/v1/inbox/preferences", headers: wrong).status == 401)
        }
    }
}
