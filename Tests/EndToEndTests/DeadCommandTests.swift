import Foundation
import NotifyTestSupport
import PostgresNIO
import Testing

/// `notify dead` as an operator runs it: JSON that holds JSON, options it cannot take refused
/// with a sentence instead of an empty answer, and ids that are not dead jobs named in one error.
@Suite("notify dead", .timeLimit(.minutes(2)))
struct DeadCommandTests {
    @Test("prints errors and payload as JSON, and refuses a limit out of range and an unknown function")
    func listsAndRefuses() async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            try await client.query(
                """
                INSERT INTO notify.dead_jobs (id, queue, lane, payload, attempts, max_attempts, errors, created_at)
                VALUES (7, 'probe', 1, '{"marker":"m"}', 4, 4, '[{"code":"probe_permanent","attempt":4}]', now())
                """, logger: TestCluster.logger)
        }
        func run(_ arguments: [String]) async throws -> (status: Int32, log: String) {
            try await NotifyProcess.run(arguments, databaseURL: url.secretURLString)
        }
        let listed = try await run(["dead", "list", "--json"])
        #expect(listed.status == 0, "\(listed.log)")
        let text = listed.log[(listed.log.firstIndex(of: "[") ?? listed.log.startIndex)...]
        let jobs = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]
        #expect(jobs?.count == 1)
        #expect((jobs?.first?["payload"] as? [String: Any])?["marker"] as? String == "m")
        #expect(((jobs?.first?["errors"] as? [[String: Any]])?.first)?["code"] as? String == "probe_permanent")

        let zero = try await run(["dead", "list", "--limit", "0"])
        #expect(zero.status == 64)
        #expect(zero.log.contains("--limit must be 1 to 1000; got 0"), "\(zero.log)")
        let unknown = try await run(["dead", "list", "--function", "nosuch"])
        #expect(unknown.status == 64)
        #expect(unknown.log.contains("unknown function \"nosuch\": use one of"), "\(unknown.log)")
    }

    @Test("replay or discard of an id that is not a dead job prints one error line and exits 1")
    func missingIDs() async throws {
        let url = try await TestCluster.freshDatabase()
        _ = try await TestCluster.withClient(url) { client in
            try await client.query(
                """
                INSERT INTO notify.dead_jobs (id, queue, lane, payload, attempts, max_attempts, errors, created_at)
                VALUES (7, 'probe', 1, '{}', 4, 4, '[]', now()), (8, 'probe', 1, '{}', 4, 4, '[]', now())
                """, logger: TestCluster.logger)
        }
        func run(_ arguments: [String]) async throws -> (status: Int32, lines: [String]) {
            let result = try await NotifyProcess.run(arguments, databaseURL: url.secretURLString)
            return (result.status, result.log.split(separator: "\n").map(String.init))
        }
        for verb in ["replay", "discard"] {
            let missing = try await run(["dead", verb, "99"])
            #expect(missing.status == 1)
            #expect(
                missing.lines == [
                    "error: job 99 is not in the dead-letter table (`notify dead list` shows the dead jobs)"
                ], "\(missing.lines)")
        }
        let some = try await run(["dead", "replay", "7", "98", "99"])
        #expect(some.status == 1)
        #expect(
            some.lines == [
                "replayed 1 job",
                "error: jobs 98, 99 are not in the dead-letter table (`notify dead list` shows the dead jobs)",
            ], "\(some.lines)")
        let discarded = try await run(["dead", "discard", "8"])
        #expect(discarded.status == 0)
        #expect(discarded.lines == ["discarded 1 job"], "\(discarded.lines)")
    }
}
