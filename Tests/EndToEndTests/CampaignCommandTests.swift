import NotifyTestSupport
import Testing

/// `notify campaign list` for a tenant that does not exist says so, instead of an empty table.
@Suite("notify campaign list", .timeLimit(.minutes(2)))
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
}
