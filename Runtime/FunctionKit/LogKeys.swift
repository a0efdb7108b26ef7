/// Logger metadata keys, in one place so that logs stay consistent and searchable.
public enum LogKeys {
    public static let jobID = "job_id"
    public static let function = "function"
    public static let attempt = "attempt"
    public static let tenantID = "tenant_id"
    public static let lane = "lane"
    public static let workerID = "worker_id"
    public static let errorCode = "error_code"
    public static let term = "leader_term"
    public static let queue = "queue"
    /// The function whose job an inlined function ran in (see ``InlinePolicy``).
    public static let inlinedIn = "inlined_in"
}
