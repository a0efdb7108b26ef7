import PostgresNIO

/// Which writing transactions a read may not have seen yet, from PostgreSQL's snapshot: every
/// transaction id below ``oldestRunning`` had ended when the snapshot was taken, so whatever it
/// wrote was committed (or rolled back) by then; ids from it up to ``nextID`` may still have been
/// running, and later ids were not yet given out.
struct TransactionHorizon: Equatable, Sendable {
    /// The oldest transaction id still running (`pg_snapshot_xmin`).
    var oldestRunning: Int64
    /// The first transaction id not yet given out (`pg_snapshot_xmax`).
    var nextID: Int64

    /// The horizon now. Only transactions that write hold it back: a long read-only query has no
    /// transaction id.
    static func load(dependencies: APIDependencies) async throws -> TransactionHorizon {
        let rows = try await dependencies.rows(
            """
            SELECT pg_snapshot_xmin(s)::text::bigint, pg_snapshot_xmax(s)::text::bigint
            FROM pg_current_snapshot() AS s
            """)
        let (oldestRunning, nextID) = try rows[0].decode((Int64, Int64).self)
        return TransactionHorizon(oldestRunning: oldestRunning, nextID: nextID)
    }

    /// Whether every transaction that may have been running at `earlier` has ended by this one.
    func hasPassed(_ earlier: TransactionHorizon) -> Bool { oldestRunning >= earlier.nextID }
}
