import NotifyFunctionKit

/// A job this worker holds a lease on.
public struct ClaimedJob: Sendable, Hashable {
    public let id: Int64
    public let queue: String
    public let lane: Lane
    /// The input: the row's JSON, or, for a job this worker enqueued already claimed (a chained
    /// job), the value its predecessor made it from.
    public let payload: JobPayload
    /// This attempt's number (1-based): claims count attempts, snoozes give them back.
    public let attempt: Int
    public let maxAttempts: Int
    /// The fencing token: every claim increments it, and only the holder of the current value can
    /// complete, retry or release the job.
    public let fence: Int64
    public let tenantID: String?
}
