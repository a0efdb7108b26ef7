import PostgresNIO

/// What a function asks the runtime to commit when its job completes.
///
/// Everything here is written in the same transaction that deletes the finished job, and only if
/// the job's lease (its fencing token) still holds: a function whose lease was taken over by
/// another worker has its output discarded.
public struct FunctionOutput: Sendable {
    /// Jobs to enqueue next.
    public var next: [JobRequest]
    /// State to record: statements run in the completion transaction.
    public var writes: [PostgresQuery]
    /// Runtime upkeep (only honoured for `schedule-tick` run by the leader).
    public var maintenance: [MaintenanceAction]
    /// A JSON summary of what happened, printed by `notify invoke`. No personal data.
    public var summary: String?

    /// Creates an output.
    public init(
        next: [JobRequest] = [], writes: [PostgresQuery] = [], maintenance: [MaintenanceAction] = [],
        summary: String? = nil
    ) {
        self.next = next
        self.writes = writes
        self.maintenance = maintenance
        self.summary = summary
    }

    /// Nothing to do next.
    public static var none: FunctionOutput { FunctionOutput() }

    /// True when committing this output is only deleting the job.
    public var isEmpty: Bool { next.isEmpty && writes.isEmpty && maintenance.isEmpty }
}
