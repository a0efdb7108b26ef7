import Foundation
import Logging
import NotifyTestSupport
import PostgresNIO
import Testing

@testable import NotifyRuntime

/// Prepared statements are planned from the statistics of the moment; the leader analyzes tables
/// that have grown so that plans made on young tables are replaced.
@Suite struct StatisticsKeeperTests {
    static let tenantSQL = "INSERT INTO notify.tenants (id, name, inbox_secret) VALUES ('acme', 'Acme', '\\x00')"

    /// Inserts `count` notifications and flushes this session's table counters at once.
    static func insertNotifications(_ count: Int, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO notify.notifications (tenant_id, category_key, recipients)
            SELECT 'acme', 'welcome', '{}' FROM generate_series(1, \(count))
            """, logger: logger)
        try await connection.query("SELECT pg_stat_force_next_flush()", logger: logger)
        // The flush happens when the session next reports, at the end of this transaction.
        try await connection.query("SELECT 1", logger: logger)
    }

    static func plan(on connection: PostgresConnection, logger: Logger) async throws -> String {
        try await connection.query(
            "EXPLAIN (COSTS OFF) EXECUTE lookup('{00000000-0000-0000-0000-000000000001}')", logger: logger
        ).collect().map { try $0.decode(String.self) }.joined(separator: "\n")
    }

    /// Runs `body` with a client of a fresh database that has one tenant.
    static func withTenant(_ body: @Sendable (PostgresClient) async throws -> Void) async throws {
        let url = try await TestCluster.freshDatabase()
        try await TestCluster.withClient(url) { client in
            try await client.query(PostgresQuery(unsafeSQL: tenantSQL), logger: TestCluster.logger)
            try await body(client)
        }
    }

    @Test func aPlanMadeWhileTheTableWasYoungIsReplacedOnceTheTableHasDoubled() async throws {
        let logger = TestCluster.logger
        try await Self.withTenant { client in
            try await client.withConnection { session in
                try await Self.insertNotifications(20, on: session, logger: logger)
                try await session.query("ANALYZE notify.notifications", logger: logger)
                try await session.query("SET plan_cache_mode = force_generic_plan", logger: logger)
                try await session.query(
                    "PREPARE lookup(uuid[]) AS SELECT status FROM notify.notifications WHERE id = ANY($1)",
                    logger: logger)
                let young = try await Self.plan(on: session, logger: logger)
                #expect(young.contains("Seq Scan on notifications"), "\(young)")

                try await Self.insertNotifications(20000, on: session, logger: logger)
                let stale = try await Self.plan(on: session, logger: logger)
                #expect(stale.contains("Seq Scan on notifications"), "the cached plan outlives the growth: \(stale)")

                let keeper = StatisticsKeeper(logger: logger)
                let analyzed = try await client.withConnection { try await keeper.refresh(on: $0) }
                #expect(analyzed.contains("notifications"))

                let fresh = try await Self.plan(on: session, logger: logger)
                #expect(!fresh.contains("Seq Scan"), "\(fresh)")
                #expect(fresh.contains("notifications_pkey"), "\(fresh)")

                // Analyzed at its size now, it is not analyzed again until it doubles once more.
                let again = try await client.withConnection { try await keeper.refresh(on: $0) }
                #expect(!again.contains("notifications"))
            }
        }
    }

    @Test func tablesBelowTheMinimumAreLeftToAutovacuum() async throws {
        let logger = TestCluster.logger
        try await Self.withTenant { client in
            try await client.withConnection { session in
                try await Self.insertNotifications(StatisticsKeeper.minimumRows - 1, on: session, logger: logger)
            }
            let analyzed = try await client.withConnection {
                try await StatisticsKeeper(logger: logger).refresh(on: $0)
            }
            #expect(!analyzed.contains("notifications"))
        }
    }

    @Test func aTableAnotherSessionHoldsIsPostponedNotFailed() async throws {
        let logger = TestCluster.logger
        try await Self.withTenant { client in
            try await client.withConnection { session in
                try await Self.insertNotifications(5000, on: session, logger: logger)
            }
            let keeper = StatisticsKeeper(logger: logger)
            // A lock that conflicts with ANALYZE, as autovacuum's would.
            let (release, mayRelease) = AsyncStream<Void>.makeStream()
            let (locked, isLocked) = AsyncStream<Void>.makeStream()
            async let holder: Void = client.withConnection { connection in
                _ = try await connection.query("BEGIN", logger: logger).collect()
                _ = try await connection.query(
                    "LOCK TABLE notify.notifications IN SHARE UPDATE EXCLUSIVE MODE", logger: logger
                ).collect()
                isLocked.yield()
                for await _ in release { break }
                _ = try await connection.query("COMMIT", logger: logger).collect()
            }
            for await _ in locked { break }
            let whileHeld = try await client.withConnection { try await keeper.refresh(on: $0) }
            #expect(!whileHeld.contains("notifications"))
            mayRelease.yield()
            try await holder
            let afterwards = try await client.withConnection { try await keeper.refresh(on: $0) }
            #expect(afterwards.contains("notifications"))
        }
    }

    @Test func theSchedulerLeaderAnalyzesGrownTables() async throws {
        try await TestRuntime.with(catalog: FunctionCatalog()) { runtime in
            try await runtime.client.query(PostgresQuery(unsafeSQL: Self.tenantSQL), logger: runtime.logger)
            try await runtime.client.withConnection { session in
                try await Self.insertNotifications(5000, on: session, logger: runtime.logger)
            }
            let leader = runtime.startLeader()
            let analyzed = try await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
                try await runtime.count(
                    "SELECT reltuples::int FROM pg_class WHERE oid = 'notify.notifications'::regclass") >= 5000
            }
            #expect(analyzed)
            try await leader.shutdown()
        }
    }
}
