import Foundation
import PostgresNIO

/// What PostgreSQL's planner would do with a statement (`EXPLAIN (FORMAT JSON)`, nothing run):
/// the indexes it reads and the tables it reads whole. For tests that a statement run on every
/// tick stays an index lookup however long the queue grows.
public struct QueryPlan: Sendable {
    /// Names of the indexes the plan reads.
    public var indexes: Set<String> = []
    /// Names of the tables the plan reads with a sequential scan.
    public var sequentialScans: Set<String> = []

    /// The plan of `query` (with its bindings) in `client`'s database.
    public static func of(_ query: PostgresQuery, on client: PostgresClient) async throws -> QueryPlan {
        let rows = try await client.query(
            PostgresQuery(unsafeSQL: "EXPLAIN (FORMAT JSON) " + query.sql, binds: query.binds),
            logger: TestCluster.logger
        ).collect()
        let text = try rows.map { try $0.decode(String.self) }.joined()
        var plan = QueryPlan()
        plan.collect(try JSONSerialization.jsonObject(with: Data(text.utf8)))
        return plan
    }

    private mutating func collect(_ node: Any) {
        if let list = node as? [Any] {
            for item in list { collect(item) }
        }
        guard let object = node as? [String: Any] else { return }
        if let index = object["Index Name"] as? String { indexes.insert(index) }
        if object["Node Type"] as? String == "Seq Scan", let table = object["Relation Name"] as? String {
            sequentialScans.insert(table)
        }
        for value in object.values { collect(value) }
    }
}
