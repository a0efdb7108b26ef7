import Logging
import PostgresNIO

/// Keeps the planner's statistics of the engine's growing tables in step with their size.
///
/// The engine's statements are prepared once per connection, and PostgreSQL plans a prepared
/// statement generically once it has seen a few executions, from the statistics of that moment. A
/// fresh database's tables are young: a plan made when `notify.notifications` held a hundred rows
/// can pick a scan, or an index on the tenant rather than the key, and keep it while the table
/// grows to millions. PostgreSQL drops such plans when the table is analyzed, but autovacuum
/// looks only once a minute (`autovacuum_naptime`) and waits for a tenth of the table to change.
/// In that minute a scan that grows with the table turned the in-app pipeline's lookups into most
/// of the database's work (measured: in a 20,000-notification run the validate read alone took
/// 9.9 s of statement time, the most of any statement).
///
/// So the scheduler leader, after its tick, analyzes each table of the `notify` schema that it
/// owns and that has at least doubled since its last analysis (and holds at least
/// ``minimumRows``): a table growing from empty to a million rows is analyzed about ten times.
/// The queue (`notify.jobs`), whose rows come and go, is left to its own aggressive autovacuum
/// settings, and its claim is planned to use the indexes whatever the statistics. An analysis
/// that would wait for a lock (autovacuum is busy with the table) gives up at once and is tried
/// at a later tick.
struct StatisticsKeeper: Sendable {
    /// Tables smaller than this are not worth a plan change.
    static let minimumRows = 1000

    /// How often the leader looks.
    static let interval: Duration = .seconds(2)

    let logger: Logger

    /// The schema's tables that have at least doubled since they were last analyzed.
    static let grownTablesSQL = """
        SELECT s.relname
        FROM pg_stat_user_tables s
        JOIN pg_class c ON c.oid = s.relid
        WHERE s.schemaname = 'notify' AND s.relname <> 'jobs' AND pg_has_role(c.relowner, 'USAGE')
          AND s.n_live_tup >= $1 AND s.n_live_tup >= 2 * greatest(c.reltuples, 0)
        ORDER BY s.n_live_tup DESC
        """

    /// Analyzes the grown tables on `connection` (outside any transaction of the caller's); returns
    /// the names of the tables it analyzed.
    @discardableResult
    func refresh(on connection: PostgresConnection) async throws -> [String] {
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: Self.grownTablesSQL,
                binds: {
                    var binds = PostgresBindings()
                    binds.append(Int64(Self.minimumRows))
                    return binds
                }()), logger: logger
        ).collect()
        var analyzed: [String] = []
        for row in rows {
            let table = try row.decode(String.self)
            do {
                try await connection.withTransaction(logger: logger) { connection in
                    // Collected, so that a failure surfaces here rather than as a silent rollback.
                    _ = try await connection.query("SET LOCAL lock_timeout = '100ms'", logger: logger).collect()
                    _ = try await connection.query(
                        PostgresQuery(unsafeSQL: "ANALYZE notify.\(Self.quoted(table))"), logger: logger
                    ).collect()
                }
                analyzed.append(table)
            } catch let error as PostgresTransactionError
                where (error.closureError as? PSQLError)?.serverInfo?[.sqlState] == Self.lockNotAvailable
            {
                logger.debug("table busy; analysis postponed", metadata: ["table": "\(table)"])
            }
        }
        if !analyzed.isEmpty {
            logger.debug("analyzed grown tables", metadata: ["tables": "\(analyzed.joined(separator: ","))"])
        }
        return analyzed
    }

    /// PostgreSQL's `lock_not_available`, raised when `lock_timeout` passes.
    static let lockNotAvailable = "55P03"

    /// `name` as a quoted SQL identifier.
    static func quoted(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
