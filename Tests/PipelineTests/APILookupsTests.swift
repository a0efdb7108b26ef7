import Foundation
import NotifyModel
import NotifyTestSupport
import PostgresNIO
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

    /// The checks run on every notification request, mostly a few at a time: PostgreSQL must
    /// settle on one plan per connection rather than planning the statement on every call. (With
    /// the users as `unnest` arrays and a table of realistic size, every call was custom-planned.)
    @Test func theCheckQueryIsPlannedOncePerConnection() async throws {
        try await Engine.with { engine in
            let acme = try await engine.tenant("acme")
            _ = try await engine.runtime.client.query(
                """
                INSERT INTO notify.users (tenant_id, external_id)
                SELECT \(acme.id), 'user-' || n FROM generate_series(1, 20000) AS n
                """, logger: engine.runtime.logger)
            _ = try await engine.runtime.client.query("ANALYZE notify.users", logger: engine.runtime.logger)
            var configuration = engine.runtime.url.clientConfiguration(applicationName: "notify-test")
            configuration.options.maximumConnections = 1
            let client = PostgresClient(configuration: configuration)
            try await client.whileRunning {
                for round in 1...8 {
                    let query = APILookups.CheckQuery(
                        tenantID: acme.id, category: "welcome", template: nil, topic: nil,
                        users: round.isMultiple(of: 2) ? ["ada"] : ["ada", "nobody-\(round)"])
                    let facts = try await APILookups.checks([query], client: client, logger: engine.runtime.logger)
                    #expect(facts.first??.foundUsers == ["ada"])
                }
                let plans = try await client.query(
                    """
                    SELECT generic_plans, custom_plans FROM pg_prepared_statements
                    WHERE statement LIKE '%notify.categories%' AND statement LIKE '%notify.users%'
                    """, logger: engine.runtime.logger
                ).collect().map { try $0.decode((Int64, Int64).self) }
                #expect(plans.count == 1)
                // Five custom plans while PostgreSQL compares, then the generic one for the rest.
                #expect((plans.first?.0 ?? 0) >= 3, "generic and custom plans: \(plans)")
            }
        }
    }
}
