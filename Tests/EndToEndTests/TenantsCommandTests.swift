import Foundation
import NotifyRuntime
import NotifyTestSupport
import Testing

/// `notify tenants list`, `rotate-inbox-secret`, `set-inbox-auth` and `set-request-rate` as an
/// operator runs them.
@Suite("notify tenants: inbox credentials", .timeLimit(.minutes(2)))
struct TenantsCommandTests {
    @Test("prints a new secret once, says how long the old one passes; refuses bad hours and unknown tenants")
    func rotateInboxSecret() async throws {
        let cli = try await OperatorShell.fresh()
        let created = try await cli.run(["tenants", "create", "acme"])
        #expect(created.status == 0, "\(created.log)")
        let old = try #require(created.log.split(separator: " ").last.map { String($0.dropLast()) })

        let rotated = try await cli.run(["tenants", "rotate-inbox-secret", "acme"])
        #expect(rotated.status == 0, "\(rotated.log)")
        let lines = rotated.log.split(separator: "\n")
        let new = try #require(lines.first?.split(separator: " ").last.map(String.init))
        #expect(new.count == old.count && new != old, "\(rotated.log)")
        #expect(lines.last == "signatures made with the replaced secret pass for 24 more hours", "\(rotated.log)")

        let now = try await cli.run(["tenants", "rotate-inbox-secret", "acme", "--keep-previous-hours", "0"])
        #expect(now.log.hasSuffix("signatures made with the replaced secret no longer pass\n"), "\(now.log)")

        let tooLong = try await cli.run(["tenants", "rotate-inbox-secret", "acme", "--keep-previous-hours", "721"])
        #expect(tooLong.status == 64)
        #expect(tooLong.log.contains("--keep-previous-hours must be 0 to 720; got 721"), "\(tooLong.log)")
        let unknown = try await cli.run(["tenants", "rotate-inbox-secret", "nobody"])
        #expect(unknown.status == 1)
        #expect(unknown.log.contains("nobody"), "\(unknown.log)")
    }

    @Test("set-inbox-auth takes token or signature_or_token, and says what the inbox now takes")
    func setInboxAuth() async throws {
        let cli = try await OperatorShell.fresh()
        #expect(try await cli.run(["tenants", "create", "acme"]).status == 0)
        let tokens = try await cli.run(["tenants", "set-inbox-auth", "acme", "token"])
        #expect(tokens.status == 0, "\(tokens.log)")
        #expect(tokens.log == "tenant acme: the inbox takes only expiring tokens (X-Notify-Token) from now on\n")
        let both = try await cli.run(["tenants", "set-inbox-auth", "acme", "signature_or_token"])
        #expect(both.log == "tenant acme: the inbox takes signatures or expiring tokens\n", "\(both.log)")
        let bad = try await cli.run(["tenants", "set-inbox-auth", "acme", "cookies"])
        #expect(bad.status == 64)
        #expect(bad.log.contains("the mode must be signature_or_token or token; got \"cookies\""), "\(bad.log)")
        let unknown = try await cli.run(["tenants", "set-inbox-auth", "nobody", "token"])
        #expect(unknown.status == 1, "\(unknown.log)")
    }

    @Test("list shows every tenant's settings, as a table or JSON, and never a secret")
    func list() async throws {
        let cli = try await OperatorShell.fresh()
        let created = try await cli.run(["tenants", "create", "globex", "--timezone", "Europe/Berlin"])
        let secret = try #require(created.log.split(separator: " ").last.map { String($0.dropLast()) })
        #expect(try await cli.run(["tenants", "create", "acme"]).status == 0)
        #expect(try await cli.run(["tenants", "set-request-rate", "acme", "25"]).status == 0)
        #expect(try await cli.run(["tenants", "set-retention", "globex", "90"]).status == 0)

        let table = try await cli.run(["tenants", "list"])
        #expect(table.status == 0, "\(table.log)")
        let lines = table.log.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(lines.count == 3, "\(table.log)")  // the header and two tenants
        #expect(table.log.contains("REQUESTS/S"), "\(table.log)")
        let acme = try #require(lines.first { $0.first == "acme" })
        #expect(acme.contains("25") && acme.contains("kept") && acme.contains("UTC"), "\(acme)")
        let globex = try #require(lines.first { $0.first == "globex" })
        #expect(globex.contains("200") && globex.contains("Europe/Berlin") && globex.contains("90"), "\(globex)")

        let json = try await cli.run(["tenants", "list", "--json"])
        let parsed = try JSONSerialization.jsonObject(with: Data(json.log.utf8)) as? [[String: Any]]
        #expect(parsed?.map { $0["id"] as? String } == ["acme", "globex"], "\(json.log)")
        #expect(parsed?.first?["requests_per_second"] as? Int == 25)
        #expect(parsed?.last?["retention_days"] as? Int == 90)
        #expect(parsed?.first?["inbox_auth"] as? String == "signature_or_token")
        for output in [table.log, json.log] {
            #expect(!output.contains(secret))
            #expect(!output.lowercased().contains("secret"))
        }
    }

    @Test("set-request-rate stores the tenant's rate and says its burst; refuses 0 and unknown tenants")
    func setRequestRate() async throws {
        let cli = try await OperatorShell.fresh()
        #expect(try await cli.run(["tenants", "create", "acme"]).status == 0)
        let set = try await cli.run(["tenants", "set-request-rate", "acme", "25"])
        #expect(set.status == 0, "\(set.log)")
        #expect(set.log == "tenant acme: at most 25 API requests a second (a burst of 50), across every API process\n")
        let stored = try await TestCluster.withClient(cli.url) { client in
            try await client.query(
                "SELECT requests_per_second FROM notify.tenants WHERE id = 'acme'", logger: TestCluster.logger
            )
            .collect().map { try $0.decode(Int.self) }
        }
        #expect(stored == [25])
        let zero = try await cli.run(["tenants", "set-request-rate", "acme", "0"])
        #expect(zero.status == 64)
        #expect(zero.log.contains("the rate must be 1 to 1000000000 requests a second; got 0"), "\(zero.log)")
        let unknown = try await cli.run(["tenants", "set-request-rate", "nobody", "5"])
        #expect(unknown.status == 1, "\(unknown.log)")
        #expect(unknown.log.contains("notify tenants create nobody"), "\(unknown.log)")
    }
}

/// `notify` as an operator runs it, against a database of its own.
struct OperatorShell {
    let url: DatabaseURL

    static func fresh() async throws -> OperatorShell { OperatorShell(url: try await TestCluster.freshDatabase()) }

    func run(_ arguments: [String]) async throws -> (status: Int32, log: String) {
        try await NotifyProcess.run(arguments, databaseURL: url.secretURLString)
    }
}
