import NotifyFunctionKit

/// A job this worker holds a lease on.
public struct ClaimedJob: Sendable, Hashable {
    public let id: Int64
    public let queue: String
    public let lane: Lane
    public let payload: String
    /// This attempt's number (1-based): claims count attempts, snoozes give them back.
    public let attempt: Int
    public let maxAttempts: Int
    /// The fencing token: every claim increments it, and only the holder of the current value can
    /// complete, retry or release the job.
    public let fence: Int64
    public let tenantID: String?
}
