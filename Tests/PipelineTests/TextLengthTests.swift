import Foundation
import Testing

/// Lengths the API checks are counted as the columns' CHECKs count them (PostgreSQL's `length()`:
/// code points), so a text the check lets through is one the database stores: a user id of 150
/// "é" written as e + U+0301 is 150 characters to Swift and 300 to PostgreSQL, and answered 500
/// with the failing row (its data) in the log before.
@Suite(.serialized) struct TextLengthTests {
    static let decomposed = String(repeating: "e\u{301}", count: 150)

    @Test func aUserIDIsCountedAsTheDatabaseCountsIt() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            let path = "/v1/users/" + Self.decomposed.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let reply = try await engine.put(path, acme, ["data": ["name": "Ada"]])
            #expect(reply.status == 400)
            #expect(reply.json["code"] as? String == "invalid_id")
            let fits = String(repeating: "e\u{301}", count: 100)
            let stored = try await engine.put(
                "/v1/users/" + fits.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!, acme,
                ["data": ["name": "Ada"]])
            #expect(stored.status == 201)
        }
    }

    @Test func aCampaignNameIsCountedAsTheDatabaseCountsIt() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            try expect(try await engine.put("/v1/topics/news", acme, ["name": "News"]), [201])
            let reply = try await engine.post(
                "/v1/campaigns", acme,
                ["name": Self.decomposed, "category": "welcome", "audience": ["topic": "news"]])
            #expect(reply.status == 400)
            #expect(reply.json["code"] as? String == "invalid_name")
        }
    }
}
