import Foundation
import Logging
import NotifyTestSupport
import PostgresNIO
import Testing

@testable import NotifyRuntime

/// The claim is planned once per connection, possibly while the queue is empty; that plan must
/// stay an index lookup when a backlog arrives.
@Suite struct ClaimPlanTests {
    @Test(arguments: [ClaimStatement.sql, MultiQueueClaimStatement.sql])
    func aClaimPlannedOnAnEmptyQueueStillUsesIndexesForABacklog(sql: String) async throws {
        let url = try await TestCluster.freshDatabase()
        let logger = Logger(label: "test")
        try await TestCluster.withClient(url) { client in
            try await client.withConnection { connection in
                _ = try await connection.query("ANALYZE notify.jobs", logger: logger)
                _ = try await connection.query(
                    PostgresQuery(unsafeSQL: Worker.claimSessionSettings), logger: logger
                ).collect()
                let queue = sql.contains("unnest($1::text[])") ? "'{probe}'::text[]" : "'probe'"
                let parameters = "(\(queue), 2::int2, 256::int8, 'test-worker', 30::float8, 0::int2)"
                _ = try await connection.query(PostgresQuery(unsafeSQL: "PREPARE claim AS \(sql)"), logger: logger)
                // Planned (and cached) against the empty table.
                _ = try await connection.query(
                    PostgresQuery(unsafeSQL: "EXECUTE claim\(parameters)"), logger: logger
                ).collect()
                _ = try await connection.query(
                    """
                    INSERT INTO notify.jobs (queue, lane, run_at, payload, max_attempts)
                    SELECT 'probe', 1, now(), '{}', 5 FROM generate_series(1, 20000)
                    """, logger: logger)
                let plan = try await connection.query(
                    PostgresQuery(unsafeSQL: "EXPLAIN (ANALYZE, COSTS OFF) EXECUTE claim\(parameters)"), logger: logger
                ).collect().map { try $0.decode(String.self) }.joined(separator: "\n")
                #expect(!plan.contains("Seq Scan"), "\(plan)")
                // An index scan, or a bitmap scan when fresh statistics say it is cheaper: by key.
                #expect(
                    plan.contains("Index Scan using jobs_pkey") || plan.contains("Bitmap Index Scan on jobs_pkey"),
                    "\(plan)")
                #expect(plan.contains("Index Scan using jobs_claimable"), "\(plan)")
                #expect(plan.contains("rows=256"), "\(plan)")
            }
        }
    }
}
