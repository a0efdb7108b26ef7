import Foundation
import Testing

/// `POST /v1/users`: many users created or updated at once, all or none, with the rules of
/// `PUT /v1/users/{id}`.
@Suite(.serialized) struct UserBatchTests {
    @Test func usersAreCreatedAndUpdatedTogetherAndFoundByTheirContacts() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let users: [[String: Any]] = [
                ["id": "ada", "email": "ada@example.com"],
                ["id": "bob", "phone": "+14155550100", "locale": "pt-BR", "data": ["plan": "pro"]],
                ["id": "cy", "timezone": "Asia/Tokyo"],
            ]
            let reply = try expect(try await engine.post("/v1/users", acme, ["users": users]), [200])
            #expect(reply.json["created"] as? Int == 2)
            #expect(reply.json["updated"] as? Int == 1)
            let ada = try await engine.get("/v1/users/ada", acme).json
            #expect(ada["email"] as? String == "ada@example.com")
            #expect(ada["timezone"] as? String == "Europe/Berlin")  // kept from before
            let bob = try await engine.get("/v1/users/bob", acme).json
            #expect(bob["phone"] as? String == "+14155550100")
            #expect(bob["locale"] as? String == "pt-BR")
            // Stored sealed and hashed, as a single PUT stores them: the keyed hash finds ada.
            let hash = Data(engine.dependencies.hasher.hash("ada@example.com", channel: .email))
            #expect(
                try await engine.runtime.count(
                    "SELECT count(*)::int FROM notify.users WHERE tenant_id = 'acme' AND email_hash = \(hash)") == 1)
            // null clears a contact point.
            try expect(try await engine.post("/v1/users", acme, ["users": [["id": "ada", "email": NSNull()]]]), [200])
            #expect(try await engine.get("/v1/users/ada", acme).json["email"] == nil)
        }
    }

    @Test func oneBadEntryIsNamedAndNothingIsWritten() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let cases: [([String: Any], String, String)] = [
                (["users": [["id": "x1"], ["id": "x2", "email": "not-an-address"]]], "invalid_email", "users[1]"),
                (["users": [["id": "x1"], ["id": "x1"]]], "duplicate_user", "users[1]"),
                (["users": [["id": "x1", "mail": "a@b.c"]]], "unknown_field", "users[0]"),
                (["users": [["id": "x1", "timezone": "Mars/Olympus"]]], "invalid_timezone", "users[0]"),
                (["users": [["id": ""]]], "invalid_id", "users[0]"),
                (["users": [] as [Any]], "invalid_users", "1 to 1000"),
                (["users": (0...1000).map { ["id": "u\($0)"] }], "invalid_users", "got 1001"),
                (["people": [] as [Any]], "unknown_field", "people"),
            ]
            for (body, code, place) in cases {
                let reply = try await engine.post("/v1/users", acme, body)
                #expect(reply.status == 400, "\(code): \(reply.text)")
                #expect(reply.json["code"] as? String == code, "\(reply.text)")
                #expect((reply.json["detail"] as? String)?.contains(place) == true, "\(reply.text)")
            }
            #expect(
                try await engine.runtime.count("SELECT count(*)::int FROM notify.users WHERE external_id LIKE 'x%'")
                    == 0)
            // Another tenant's users of the same ids are other users.
            let globex = try await engine.tenant("globex", seed: false)
            try expect(try await engine.post("/v1/users", globex, ["users": [["id": "ada", "locale": "de"]]]), [200])
            #expect(try await engine.get("/v1/users/ada", acme).json["locale"] as? String == "en")
        }
    }
}
