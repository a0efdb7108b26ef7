import Foundation
import NotifyRuntime
import NotifyTestSupport
import PostgresNIO
import Testing

/// Migrations that change busy tables leave them writable: indexes are built concurrently, and
/// column types change without a rewrite.
@Suite struct OnlineMigrationTests {
    /// Replaces the fresh database's schema by the migrations before `version`, with a tenant
    /// `acme`, then runs `statements`.
    static func schema(before version: Int, client: PostgresClient, then statements: [String]) async throws {
        let logger = TestCluster.logger
        try await client.query("DROP SCHEMA notify CASCADE", logger: logger)
        try await Migrator(client: client, migrations: Migrations.all.filter { $0.version < version }, logger: logger)
            .migrate()
        let tenant = "INSERT INTO notify.tenants (id, name, inbox_secret) VALUES ('acme', 'Acme', '\\x00')"
        for statement in [tenant] + statements {
            try await client.query(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
    }

    @Test func theDeliveriesIndexIsRebuiltWhileDeliveriesKeepBeingWritten() async throws {
        let url = try await TestCluster.freshDatabase()
        let logger = TestCluster.logger
        try await TestCluster.withClient(url) { client in
            try await Self.schema(
                before: 12, client: client,
                then: [
                    "INSERT INTO notify.users (tenant_id, external_id) VALUES ('acme', 'ada')",
                    """
                    INSERT INTO notify.notifications (id, tenant_id, category_key, recipients)
                    VALUES ('00000000-0000-0000-0000-000000000001', 'acme', 'welcome', '{}')
                    """,
                    // What an earlier, interrupted run could have left: an index of that name, not the
                    // migration's. It must be replaced, not taken for done.
                    "CREATE INDEX deliveries_by_user ON notify.deliveries (id)",
                ])

            // A reader keeps a transaction open on deliveries, as a long report would.
            let (commitReader, readerMayCommit) = AsyncStream<Void>.makeStream()
            async let reader: Void = client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                try await connection.query("SELECT count(*) FROM notify.deliveries", logger: logger)
                for await _ in commitReader { break }
                try await connection.query("COMMIT", logger: logger)
            }
            async let migration = Migrator(client: client, logger: logger).migrate()

            // The migration reaches its index work and waits for the reader.
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                let waiting =
                    try await client.query(
                        """
                        SELECT count(*)::int FROM pg_stat_activity
                        WHERE query LIKE 'DROP INDEX%' AND wait_event_type = 'Lock'
                        """, logger: logger
                    ).collect().first?.decode(Int.self) ?? 0
                if waiting > 0 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(ContinuousClock.now < deadline, "the migration never waited for the reader")

            // Meanwhile deliveries are written as usual (a blocking DROP or CREATE INDEX would
            // queue every write behind the reader).
            let written: Result<Int, any Error>
            do {
                written = .success(
                    try await client.withTransaction(logger: logger) { connection in
                        try await connection.query("SET LOCAL statement_timeout = '3s'", logger: logger)
                        try await connection.query(
                            """
                            INSERT INTO notify.deliveries (tenant_id, notification_id, user_id, channel)
                            SELECT 'acme', '00000000-0000-0000-0000-000000000001', id, 'inapp' FROM notify.users
                            """, logger: logger)
                        return try await connection.query(
                            "UPDATE notify.deliveries SET status = 'rendered' RETURNING id", logger: logger
                        ).collect().count
                    })
            } catch {
                written = .failure(error)
            }
            // The reader commits whatever the write did, so that the migration can end either way.
            readerMayCommit.yield()
            readerMayCommit.finish()
            #expect(try written.get() == 1)
            try await reader
            let applied = try await migration.map(\.version)
            #expect(applied == Migrations.all.map(\.version).filter { $0 >= 12 })

            let index = try await client.query(
                """
                SELECT i.indisvalid, pg_get_indexdef(i.indexrelid) FROM pg_index i
                WHERE i.indexrelid = 'notify.deliveries_by_user'::regclass
                """, logger: logger
            ).collect().first?.decode((Bool, String).self)
            #expect(index?.0 == true)
            #expect(index?.1.hasSuffix("(tenant_id, user_id, created_at)") == true)
            let oldIndex = try await client.query(
                "SELECT to_regclass('notify.deliveries_sent_recently') IS NULL", logger: logger
            ).collect().first?.decode(Bool.self)
            #expect(oldIndex == true)
        }
    }

    @Test func statusDomainsRewriteNoTableAndStillRefuseAWrongValue() async throws {
        let url = try await TestCluster.freshDatabase()
        let logger = TestCluster.logger
        try await TestCluster.withClient(url) { client in
            try await Self.schema(
                before: 16, client: client,
                then: [
                    """
                    INSERT INTO notify.notifications (id, tenant_id, category_key, recipients)
                    SELECT gen_random_uuid(), 'acme', 'welcome', '{}' FROM generate_series(1, 2000)
                    """,
                    """
                    INSERT INTO notify.deliveries (tenant_id, notification_id, user_id, channel, status)
                    SELECT 'acme', id, 1, 'inapp', 'delivered' FROM notify.notifications
                    """,
                ])
            let files = """
                SELECT pg_relation_filenode('notify.notifications')::bigint, pg_relation_filenode('notify.deliveries')::bigint
                """
            let before = try await client.query(PostgresQuery(unsafeSQL: files), logger: logger).collect()
                .first?.decode((Int64, Int64).self)
            try await Migrator(client: client, logger: logger).migrate()
            let after = try await client.query(PostgresQuery(unsafeSQL: files), logger: logger).collect()
                .first?.decode((Int64, Int64).self)
            #expect(before != nil && before?.0 == after?.0 && before?.1 == after?.1, "neither table was rewritten")
            let statuses = try await client.query(
                "SELECT count(*)::int FROM notify.deliveries WHERE status = 'delivered'", logger: logger
            ).collect().first?.decode(Int.self)
            #expect(statuses == 2000)
            do {
                try await client.query("UPDATE notify.deliveries SET status = 'lost'", logger: logger)
                Issue.record("a status outside the domain was written")
            } catch let error as PSQLError {
                #expect(error.serverInfo?[.sqlState] == "23514")
            }
        }
    }
}
