import Foundation
import NotifyFunctionKit
import NotifyRuntime
import NotifyTestSupport
import PostgresNIO
import Testing

/// A test function whose output is two mergeable writes with a plain write between them: it
/// records its key, touches it, then confirms it.
struct TallyFunction: NotifyFunction {
    struct Input: Codable, Sendable { var key: String }

    static let name: FunctionName = "tally"

    /// Each row records how many rows its statement inserted at once.
    static let recordSQL = """
        INSERT INTO tally (key, statement_rows) SELECT k, count(*) OVER () FROM unnest($1::text[]) AS k
        """
    static let confirmSQL = "UPDATE tally SET confirmed = touched = 1 WHERE key = ANY($1::text[])"

    func handle(_ input: Input, context: FunctionContext) async throws -> FunctionOutput {
        var output = FunctionOutput()
        output.appendMergeable(MergeableWrite(sql: Self.recordSQL, columns: [.text([input.key])]))
        output.writes.append("UPDATE tally SET touched = touched + 1 WHERE key = \(input.key)")
        output.appendMergeable(MergeableWrite(sql: Self.confirmSQL, columns: [.text([input.key])]))
        return output
    }
}

@Suite("Mergeable writes")
struct MergeableWriteTests {
    @Test("merging concatenates the rows of one statement, in order")
    func mergingConcatenatesRows() throws {
        let first = MergeableWrite(sql: "S", columns: [.bigint([1, 2]), .text(["a", "b"])])
        let second = MergeableWrite(sql: "S", columns: [.bigint([3]), .text(["c"])])
        let merged = try #require(MergeableWrite.merged([first, second]))
        #expect(merged.rowCount == 3)
        #expect(merged.query.binds.count == 2)
        #expect(merged.sql == "S")
        #expect(
            MergeableWrite.merged([first, MergeableWrite(sql: "T", columns: [.bigint([3]), .text(["c"])])]) == nil)
        #expect(
            MergeableWrite.merged([first, MergeableWrite(sql: "S", columns: [.text(["3"]), .text(["c"])])]) == nil)
        #expect(MergeableWrite.merged([]) == nil)
    }

    @Test("merging many writes keeps every column's values in the writes' order, and refuses a late type mismatch")
    func mergingManyWritesKeepsOrder() throws {
        let ids = (0..<3).map { _ in UUID() }
        let writes = (0..<50).map { n in
            MergeableWrite(
                sql: "S",
                columns: [
                    .bigint([Int64(n), Int64(n) + 1000]), .text(["\(n)", "x\(n)"]), .uuid([ids[n % 3], ids[0]]),
                ])
        }
        let merged = try #require(MergeableWrite.merged(writes))
        #expect(merged.rowCount == 100)
        guard case .bigint(let numbers) = merged.columns[0], case .text(let texts) = merged.columns[1],
            case .uuid(let uuids) = merged.columns[2]
        else {
            Issue.record("the merged columns changed type: \(merged.columns)")
            return
        }
        #expect(numbers == (0..<50).flatMap { [Int64($0), Int64($0) + 1000] })
        #expect(texts == (0..<50).flatMap { ["\($0)", "x\($0)"] })
        #expect(uuids == (0..<50).flatMap { [ids[$0 % 3], ids[0]] })
        let mismatched = writes + [MergeableWrite(sql: "S", columns: [.bigint([1]), .text(["a"]), .text(["b"])])]
        #expect(MergeableWrite.merged(mismatched) == nil)
        #expect(MergeableWrite.merged([writes[7]])?.rowCount == 2)
    }

    @Test("an output keeps a mergeable write's own query in its place among the writes")
    func anOutputKeepsTheWriteInPlace() {
        var output = FunctionOutput()
        output.writes.append("SELECT 1")
        output.appendMergeable(MergeableWrite(sql: "SELECT $1::bigint[]", columns: [.bigint([7])]))
        #expect(output.writes.count == 2)
        #expect(output.writes[1].sql == "SELECT $1::bigint[]")
        // The rows are bound only where the write runs on its own.
        #expect(output.writes[1].binds.count == 0)
        #expect(output.runnableWrite(at: 1).binds.count == 1)
        #expect(output.runnableWrites.map(\.sql) == ["SELECT 1", "SELECT $1::bigint[]"])
        #expect(output.mergeableWrite(at: 1)?.rowCount == 1)
        #expect(output.mergeableWrite(at: 0) == nil)
        // Replacing the writes drops what no longer matches.
        output.writes[1] = "SELECT 2"
        #expect(output.mergeableWrite(at: 1) == nil)
        #expect(output.runnableWrite(at: 1).sql == "SELECT 2")
    }

    @Test("a worker runs the mergeable writes of jobs completed together as one statement, each job's writes in order")
    func aWorkerMergesWritesAcrossJobs() async throws {
        var catalog = FunctionCatalog()
        catalog.register(TallyFunction())
        try await TestRuntime.with(catalog: catalog) { runtime in
            _ = try await runtime.client.query(
                """
                CREATE TABLE tally (key text PRIMARY KEY, statement_rows bigint NOT NULL,
                                    touched integer NOT NULL DEFAULT 0, confirmed boolean NOT NULL DEFAULT false)
                """, logger: runtime.logger)
            let keys = (0..<300).map { "key-\($0)" }
            try await runtime.producer.enqueue(
                try keys.map { try JobRequest(function: "tally", input: TallyFunction.Input(key: $0)) })
            let worker = runtime.startWorker(testWorker(concurrency: 64))
            #expect(
                await eventually(timeout: .seconds(20)) {
                    (try? await runtime.count("SELECT count(*) FROM notify.jobs")) == 0
                })
            try await worker.shutdown()
            #expect(try await runtime.count("SELECT count(*) FROM tally") == keys.count)
            // Every job's plain write ran once, after its first write and before its second.
            #expect(try await runtime.count("SELECT count(*) FROM tally WHERE touched = 1 AND confirmed") == keys.count)
            // Jobs that completed together shared one statement.
            #expect(try await runtime.count("SELECT max(statement_rows) FROM tally") > 1)
        }
    }
}
