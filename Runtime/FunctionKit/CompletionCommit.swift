/// Whether a job's completion transaction waits for its commit to reach the disk.
///
/// A completion deletes the job and commits its output and its successors' jobs in one
/// transaction. Waiting for the write-ahead log to be flushed is what makes a commit survive a
/// crash of PostgreSQL or of its machine, and under load, with much else being written, it is
/// most of a completion's time.
///
/// A function whose output only changes the database can let its completion commit without
/// waiting (``asynchronous``). PostgreSQL still commits atomically and in order; a crash of the
/// database server (not of a worker) may lose the last fraction of a second of such commits (at
/// most three times `wal_writer_delay`, 600 ms by default), and a lost completion only means its
/// job is still there and runs again, as after a lost lease. Any later commit that waits, such
/// as the send step's claim of a delivery before it calls a provider, flushes every earlier one
/// with it, so nothing leaves the system on the strength of a commit that could still be lost.
public enum CompletionCommit: Sendable, Hashable {
    /// Waits for the disk, as the server's `synchronous_commit` says (the default).
    case durable
    /// Does not wait (`synchronous_commit = off` for the transaction): for a function whose
    /// output changes only the database and is safe to compute again.
    case asynchronous
}
