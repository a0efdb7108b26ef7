import PostgresNIO

extension PostgresClient {
    /// Runs `body` while this client's pool runs, then shuts the pool down and waits for it.
    ///
    /// The pool outlives `body` even when the calling task is cancelled. PostgresNIO shuts a
    /// cancelled pool down at once and closes its connections, also those lent out; a statement
    /// written to such a connection afterwards is never answered (the closed channel drops it), so
    /// a cancelled job that was in the middle of a transaction, and would roll it back, never
    /// returned. Here cancelled work finishes what it has under way on live connections (new
    /// leases still fail at once: they are cancelled with the task), and the pool stops after it.
    ///
    /// `body` must therefore end by itself when it is cancelled, as structured work does.
    public func whileRunning<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        // Detached: it inherits neither the caller's cancellation nor a graceful shutdown of a
        // service group around the caller (`PostgresClient.run()` ends at the first sign of one,
        // before the work it serves has drained).
        let pool = Task.detached { await self.run() }
        let result: Result<T, any Error>
        do {
            result = .success(try await body())
        } catch {
            result = .failure(error)
        }
        pool.cancel()
        await pool.value
        return try result.get()
    }
}
