import NotifyTestSupport
import PostgresNIO
import Testing

/// `notify campaign` as an operator runs it: an unknown tenant or campaign and a refused action
/// each said in one line, instead of an empty table or an API code.
@Suite("notify campaign", .timeLimit(.minutes(2)))
struct CampaignCommandTests {
    @Test("an unknown tenant is an error; a known tenant without campaigns is an empty list")
    func unknownTenant() async throws {
        let url = try await TestCluster.freshDatabase()
        func run(_ arguments: [String]) async throws -> (status: Int32, log: String) {
            try await NotifyProcess.run(arguments, databaseURL: url.secretURLString)
        }
        let unknown = try await run(["campaign", "list", "--tenant", "nosuch"])
        #expect(unknown.status == 1)
        #expect(unknown.log.contains("tenant \"nosuch\" does not exist"), "\(unknown.log)")
        #expect(try await run(["tenants", "create", "acme"]).status == 0)
        let empty = try await run(["campaign", "list", "--tenant", "acme"])
        #expect(empty.status == 0, "\(empty.log)")
        #expect(empty.log.contains("ID"), "\(empty.log)")
    }

    @Test("pause, resume and cancel refuse in one line without a code prefix, as show does")
    func refusalsReadLikeShow() async throws {
        let url = try await TestCluster.freshDatabase()
        func run(_ arguments: [String]) async throws -> (status: Int32, log: String) {
            try await NotifyProcess.run(arguments, databaseURL: url.secretURLString)
        }
        #expect(try await run(["tenants", "create", "acme"]).status == 0)
        let missing = "0b7e4e1c-1f8e-4b5e-9c1a-3f2d6c1e9a10"
        for action in ["show", "pause", "resume", "cancel"] {
            let reply = try await run(["campaign", action, "--tenant", "acme", missing])
            #expect(reply.status == 1, "\(action)")
            #expect(reply.log == "error: no campaign \(missing) exists for tenant acme\n", "\(action): \(reply.log)")
        }
        let finished = "5d1f0c6e-8a2b-4c3d-9e4f-a1b2c3d4e5f6"
        _ = try await TestCluster.withClient(url) { client in
            try await client.query(
                """
                WITH n AS (
                    INSERT INTO notify.notifications (tenant_id, category_key, recipients, status)
                    VALUES ('acme', 'news', '{}', 'done') RETURNING id
                )
                INSERT INTO notify.campaigns (id, tenant_id, name, notification_id, audience, channels, lane, start_at, status)
                SELECT \(finished)::uuid, 'acme', 'spring', id, '{}', '{inapp}', 'bulk', now(), 'completed' FROM n
                """, logger: TestCluster.logger)
        }
        let resumed = try await run(["campaign", "resume", "--tenant", "acme", finished])
        #expect(resumed.status == 1)
        #expect(
            resumed.log == "error: the campaign is completed and cannot resume; create a new campaign instead\n",
            "\(resumed.log)")
    }
}
