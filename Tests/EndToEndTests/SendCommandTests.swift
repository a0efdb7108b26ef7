import NotifyTestSupport
import Testing

/// `notify send` as a script runs it: an id per notification, a replay said as such, and
/// recipients named by its own options.
@Suite("notify send", .timeLimit(.minutes(2)))
struct SendCommandTests {
    @Test("prints the id, says when an idempotency key replayed, and asks for --user or --topic")
    func sendsAndReplays() async throws {
        let url = try await TestCluster.freshDatabase()
        func run(_ arguments: [String]) async throws -> (status: Int32, log: String) {
            try await NotifyProcess.run(arguments, databaseURL: url.secretURLString)
        }
        #expect(try await run(["tenants", "create", "acme"]).status == 0)
        let send = ["send", "--tenant", "acme", "--category", "welcome", "--user", "ada", "--idempotency-key", "k1"]
        let first = try await run(send)
        #expect(first.status == 0, "\(first.log)")
        #expect(!first.log.contains("replayed"), "\(first.log)")
        let again = try await run(send)
        #expect(again.status == 0, "\(again.log)")
        #expect(again.log.contains("replayed: the idempotency key names this earlier notification"), "\(again.log)")
        let id = first.log.split(whereSeparator: \.isNewline).map(String.init).last { $0.count == 36 }
        #expect(id != nil && again.log.contains(id ?? "-"), "the same id: \(first.log) / \(again.log)")

        let nobody = try await run(["send", "--tenant", "acme", "--category", "welcome"])
        #expect(nobody.status == 64)
        #expect(nobody.log.contains("name the recipients with --user ID [ID …] or with --topic KEY"), "\(nobody.log)")
    }
}
