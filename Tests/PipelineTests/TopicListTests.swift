import Foundation
import Testing

/// Topics listed, their subscribers listed in pages, and a topic deleted with its subscriptions.
@Suite(.serialized) struct TopicListTests {
    @Test func topicsAndSubscribersAreListedInPagesAndADeletedTopicRefusesLaterSends() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant()
            for user in ["bob", "cy", "dee", "eve"] {
                try expect(try await engine.put("/v1/users/\(user)", acme, ["locale": "en"]), [201])
            }
            for key in ["weekly", "alerts", "news:eu"] {
                try expect(try await engine.put("/v1/topics/\(key)", acme, ["name": key.uppercased()]), [201])
            }
            try expect(
                try await engine.post(
                    "/v1/topics/weekly/subscribers", acme, ["users": ["ada", "bob", "cy", "dee", "eve"]]), [200])

            let first = try expect(try await engine.get("/v1/topics?limit=2", acme), [200]).json
            #expect((first["topics"] as? [[String: Any]])?.map { $0["key"] as? String } == ["alerts", "news:eu"])
            let cursor = try #require(first["next_cursor"] as? String)
            let second = try await engine.get("/v1/topics?limit=2&cursor=\(cursor)", acme).json
            #expect((second["topics"] as? [[String: Any]])?.map { $0["name"] as? String } == ["WEEKLY"])
            #expect(second["next_cursor"] == nil)

            let pages = try await ActivityListTests.allPages(
                engine, acme, "/v1/topics/weekly/subscribers", key: "subscribers", limit: 2)
            let users = pages.compactMap { $0["user"] as? String }
            #expect(users == ["ada", "bob", "cy", "dee", "eve"])
            #expect(try await engine.get("/v1/topics/nope/subscribers", acme).status == 404)
            #expect(
                try await engine.get("/v1/topics/weekly/subscribers?cursor=x", acme).json["code"] as? String
                    == "invalid_cursor")

            // Another tenant sees none of it.
            let globex = try await engine.tenant("globex")
            #expect((try await engine.get("/v1/topics", globex).json["topics"] as? [Any])?.isEmpty == true)
            #expect(try await engine.get("/v1/topics/weekly/subscribers", globex).status == 404)
            #expect(try await engine.delete("/v1/topics/weekly", globex).status == 404)

            try expect(try await engine.delete("/v1/topics/weekly", acme), [204])
            #expect(try await engine.get("/v1/topics/weekly", acme).status == 404)
            #expect(
                try await engine.runtime.count(
                    "SELECT count(*)::int FROM notify.topic_subscribers WHERE topic_key = 'weekly'") == 0)
            #expect(try await engine.delete("/v1/topics/weekly", acme).status == 404)
        }
    }
}
