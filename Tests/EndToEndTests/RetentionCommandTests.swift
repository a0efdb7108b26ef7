import NotifyTestSupport
import PostgresNIO
import Testing

/// `notify tenants set-retention` as an operator runs it: it sets and clears a tenant's
/// retention, and refuses what it cannot take with a sentence that says what to give.
@Suite("notify tenants set-retention", .timeLimit(.minutes(2)))
struct RetentionCommandTests {
    @Test("sets a retention, refuses one out of range, a non-number and an unknown tenant, and keeps on request")
    func setsAndRefuses() async throws {
        let url = try await TestCluster.freshDatabase()
        let database = url.secretURLString
        func run(_ arguments: [String]) async throws -> (status: Int32, log: String) {
            try await NotifyProcess.run(arguments, databaseURL: database)
        }
        func retention() async throws -> Int? {
            try await TestCluster.withClient(url) { client in
                try await client.query(
                    "SELECT retention_days FROM notify.tenants WHERE id = 'acme'", logger: TestCluster.logger
                ).collect().first?.decode(Int?.self) ?? nil
            }
        }
        #expect(try await run(["tenants", "create", "acme"]).status == 0)

        let set = try await run(["tenants", "set-retention", "acme", "90"])
        #expect(set.status == 0, "\(set.log)")
        #expect(try await retention() == 90)

        let zero = try await run(["tenants", "set-retention", "acme", "0"])
        #expect(zero.status == 64, "a usage error, found before the database: \(zero.log)")
        #expect(zero.log.contains("days must be a number of days (1 to 3650) or \"keep\"; got \"0\""), "\(zero.log)")
        let word = try await run(["tenants", "set-retention", "acme", "soon"])
        #expect(word.status == 64)
        #expect(word.log.contains("days must be a number of days (1 to 3650) or \"keep\""), "\(word.log)")
        let nobody = try await run(["tenants", "set-retention", "nobody", "5"])
        #expect(nobody.status == 1)
        #expect(nobody.log.contains("tenant \"nobody\" does not exist"), "\(nobody.log)")
        #expect(try await retention() == 90, "refused changes leave it as it was")

        #expect(try await run(["tenants", "set-retention", "acme", "keep"]).status == 0)
        #expect(try await retention() == nil)
    }
}
