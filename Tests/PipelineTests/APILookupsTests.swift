import Foundation
import NotifyModel
import NotifyTestSupport
import Testing

@testable import NotifyAPI

/// The API's shared reads answer each request of a batch for itself.
@Suite struct APILookupsTests {
    @Test func oneCheckQueryAnswersEachRequestOfTheBatch() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant("acme")
            let globex = try await engine.tenant("globex")
            try await expect(engine.put("/v1/users/bob", globex, ["locale": "en"]), [201])
            let runtime = engine.runtime
            let queries = [
                APILookups.CheckQuery(
                    tenantID: acme.id, category: "welcome", template: nil, topic: nil, users: ["ada", "bob", "ada"]),
                APILookups.CheckQuery(
                    tenantID: globex.id, category: "welcome", template: nil, topic: nil, users: ["bob"]),
                APILookups.CheckQuery(tenantID: acme.id, category: "nope", template: nil, topic: nil, users: ["ada"]),
                APILookups.CheckQuery(
                    tenantID: acme.id, category: "welcome", template: "missing", topic: "fans", users: []),
            ]
            let facts = try await APILookups.checks(queries, client: runtime.client, logger: runtime.logger)
            #expect(facts.count == 4)
            // Users are found in the request's own tenant only.
            #expect(facts[0]?.foundUsers == ["ada"])
            #expect(facts[0]?.templateActive == true && facts[0]?.topicExists == true)
            #expect(Set(facts[1]?.foundUsers ?? []) == ["bob"])
            #expect(facts[2] == nil)
            #expect(facts[3]?.templateActive == false)
            #expect(facts[3]?.topicExists == false)

            let keys = try await APILookups.keys(
                [try APIKey.parse(acme.key).id, "unknown", try APIKey.parse(globex.key).id], client: runtime.client,
                logger: runtime.logger)
            #expect(keys.map { $0?.tenantID } == [acme.id, nil, globex.id])
        }
    }
}
