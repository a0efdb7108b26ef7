import NotifyTestSupport
import Testing

/// `notify keys revoke` as an operator runs it: a second revocation says the key was revoked
/// already (exit 0), an id that is no key is an error (exit 1), a malformed key a usage error.
@Suite("notify keys revoke", .timeLimit(.minutes(2)))
struct KeysCommandTests {
    @Test("revokes once, then says the key was already revoked; an unknown id is an error")
    func revokeTwiceAndUnknown() async throws {
        let url = try await TestCluster.freshDatabase()
        func run(_ arguments: [String]) async throws -> (status: Int32, log: String) {
            try await NotifyProcess.run(arguments, databaseURL: url.secretURLString)
        }
        #expect(try await run(["tenants", "create", "acme"]).status == 0)
        let created = try await run(["keys", "create", "--tenant", "acme"])
        #expect(created.status == 0, "\(created.log)")
        let key = try #require(created.log.split(separator: "\n").first { $0.hasPrefix("nk_") }.map(String.init))
        let id = String(key.dropFirst(3).prefix(12))

        let first = try await run(["keys", "revoke", id])
        #expect(first.status == 0, "\(first.log)")
        #expect(first.log == "revoked key \(id)\n", "\(first.log)")
        for argument in [id, key] {
            let again = try await run(["keys", "revoke", argument])
            #expect(again.status == 0, "\(again.log)")
            #expect(again.log.hasPrefix("key \(id) was already revoked (at 20"), "\(again.log)")
            #expect(again.log.hasSuffix("); nothing changed\n"), "\(again.log)")
        }

        let unknown = try await run(["keys", "revoke", "aaaaaaaaaaaa"])
        #expect(unknown.status == 1)
        #expect(
            unknown.log
                == "error: no API key with id \"aaaaaaaaaaaa\" exists; the id is the 12 characters after nk_ in the key\n",
            "\(unknown.log)")
        let malformed = try await run(["keys", "revoke", "nk_short_secret"])
        #expect(malformed.status == 64)
        #expect(malformed.log.contains("API keys have the shape nk_<id>_<secret>"), "\(malformed.log)")
        #expect(!malformed.log.contains("nk_short_secret"), "\(malformed.log)")
    }
}
