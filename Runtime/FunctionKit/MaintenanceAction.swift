/// Upkeep of the runtime's own tables that the scheduler leader asks for through `schedule-tick`.
///
/// The function decides what to do and how much per tick; the runtime knows how, and runs the
/// actions in the tick's transaction, fenced by the leader's term.
public enum MaintenanceAction: Sendable, Hashable, Codable {
    /// Move jobs scheduled for later whose time has come into the ready queue.
    case promoteScheduledJobs(limit: Int)
    /// Make running jobs whose lease expired claimable again (or dead, after their last attempt).
    case rescueExpiredLeases(limit: Int)
    /// Delete dead-letter rows older than the retention.
    case pruneDeadJobs(olderThanSeconds: Int, limit: Int)
}
