import Foundation
import NotifyFunctionKit
import NotifyRuntime
import NotifyTestSupport
import PostgresNIO
import Testing

/// Columns that hold one value for every row (``MergeableWrite/Column/repeatedText(_:count:)`` and
/// its kin) and the builder that makes them: they merge, bind and run as the arrays they stand for.
@Suite("Repeated columns of mergeable writes")
struct RepeatedColumnTests {
    @Test("repeated and listed columns of one type merge into the rows they stand for, in order")
    func repeatedColumnsMergeWithListedOnes() throws {
        let id = UUID()
        let other = UUID()
        let writes = [
            MergeableWrite(
                sql: "S",
                columns: [.repeatedBigint(7, count: 2), .repeatedText("a", count: 2), .repeatedUUID(id, count: 2)]),
            MergeableWrite(
                sql: "S", columns: [.bigint([1, 2, 3]), .text(["b", "c", "d"]), .uuid([other, id, other])]),
            MergeableWrite(
                sql: "S",
                columns: [.repeatedBigint(9, count: 1), .repeatedText("e", count: 1), .repeatedUUID(other, count: 1)]),
        ]
        let merged = try #require(MergeableWrite.merged(writes))
        #expect(merged.rowCount == 6)
        guard case .bigint(let numbers) = merged.columns[0], case .text(let texts) = merged.columns[1],
            case .uuid(let uuids) = merged.columns[2]
        else {
            Issue.record("the merged columns are not listed: \(merged.columns)")
            return
        }
        #expect(numbers == [7, 7, 1, 2, 3, 9])
        #expect(texts == ["a", "a", "b", "c", "d", "e"])
        #expect(uuids == [id, id, other, id, other, other])
        // A repeated column of another type is refused like a listed one.
        let mismatched =
            writes + [
                MergeableWrite(
                    sql: "S",
                    columns: [.repeatedText("1", count: 1), .repeatedText("f", count: 1), .repeatedUUID(id, count: 1)])
            ]
        #expect(MergeableWrite.merged(mismatched) == nil)
    }

    @Test("the builder holds equal values as one repeated value, and lists them all once two differ")
    func theBuilderRepeatsUntilValuesDiffer() {
        var same = MergeableWrite.ColumnBuilder<String>()
        for _ in 0..<3 { same.append("tenant") }
        guard case .repeatedText("tenant", count: 3) = same.column else {
            Issue.record("three equal values are not one repeated value: \(same.column)")
            return
        }
        var differing = MergeableWrite.ColumnBuilder<Int64>()
        for value: Int64 in [5, 5, 6, 5] { differing.append(value) }
        guard case .bigint([5, 5, 6, 5]) = differing.column else {
            Issue.record("differing values are not listed in order: \(differing.column)")
            return
        }
        #expect(differing.array == [5, 5, 6, 5])
        #expect(same.array == ["tenant", "tenant", "tenant"])
        let empty = MergeableWrite.ColumnBuilder<UUID>()
        guard case .uuid([]) = empty.column else {
            Issue.record("an empty column is not an empty list: \(empty.column)")
            return
        }
        #expect(empty.count == 0)
    }

    @Test("a repeated column binds, alone or merged, as the array of its rows")
    func aRepeatedColumnBindsAsItsRows() async throws {
        try await TestRuntime.with(catalog: FunctionCatalog()) { runtime in
            let id = UUID()
            let sql = """
                SELECT count(*)::bigint, count(DISTINCT n)::bigint, count(DISTINCT t)::bigint, count(DISTINCT u)::bigint,
                       min(t), bool_and(u = $4::uuid)
                FROM unnest($1::bigint[], $2::text[], $3::uuid[]) AS r(n, t, u)
                """
            let write = MergeableWrite(
                sql: sql,
                columns: [.repeatedBigint(3, count: 4), .repeatedText("x", count: 4), .repeatedUUID(id, count: 4)])
            var query = write.query
            query.binds.append(id)
            let rows = try await runtime.client.query(query, logger: runtime.logger)
            for try await (count, numbers, texts, uuids, text, allSame) in rows.decode(
                (Int64, Int64, Int64, Int64, String, Bool).self)
            {
                #expect(count == 4)
                #expect(numbers == 1 && texts == 1 && uuids == 1)
                #expect(text == "x")
                #expect(allSame)
            }
            let merged = try #require(
                MergeableWrite.merged([
                    write, MergeableWrite(sql: sql, columns: [.bigint([8]), .text(["y"]), .uuid([id])]),
                ]))
            var mergedQuery = merged.query
            mergedQuery.binds.append(id)
            for try await (count, numbers, texts, _, text, allSame) in try await runtime.client.query(
                mergedQuery, logger: runtime.logger
            ).decode((Int64, Int64, Int64, Int64, String, Bool).self) {
                #expect(count == 5)
                #expect(numbers == 2 && texts == 2)
                #expect(text == "x")
                #expect(allSame)
            }
        }
    }
}
